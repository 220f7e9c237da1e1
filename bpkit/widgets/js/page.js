// page.js: mounts the book's widgets on the website, where there is no Python kernel.
//
// Each widget's output in a notebook carries, next to the live widget, an HTML fallback
//   <div class="bpkit-widget" data-widget="explorer"><script type="application/json">
//   {the widget's traits as the notebook left them}</script> ...</div>
// (bpkit.widgets.frontend.BookWidget._repr_mimebundle_). The website shows that fallback,
// and this script replaces each one with the widget's own front-end module (the same code
// that draws it in JupyterLab), given a PageModel instead of a kernel-backed model.
// The PageModel keeps the traits in the page and, where bpkit would compute in a kernel,
// calls the module's `compute` and `actions`, written with port.js, the JavaScript port of
// the bpkit functions the widget needs.
(function () {
  "use strict";

  // The part of anywidget's model interface that the widgets use: get, set, save_changes,
  // on, off, send.
  class PageModel {
    constructor(widget, state) {
      this.widget = widget;
      this.state = state;
      this.changed = new Set();
      this.listeners = new Map();
      this.before = { ...state.controls };  // the controls the last computation used
    }
    get(key) { return this.state[key]; }
    set(key, value) {
      this.state[key] = value;
      this.changed.add(key);
    }
    // A kernel would now receive the changed controls and send back what bpkit computed;
    // here the module's compute does it, in the page.
    save_changes() {
      if (this.changed.has("controls")) {
        this.apply(this.widget.compute(this.state, this.before));
      }
      this.notify();
    }
    // Step, Reset: a kernel would run the Python method; here the module's action does.
    send(message) {
      const action = this.widget.actions && this.widget.actions[message.event];
      if (!action) throw new Error(`bpkit widget: no action "${message.event}"`);
      this.apply(action(this.state));
      this.notify();
    }
    apply(update) {
      for (const [key, value] of Object.entries(update)) this.set(key, value);
      this.before = { ...this.state.controls };
    }
    notify() {
      // each listener once, however many of the traits it listens to have changed
      const callbacks = new Set();
      for (const key of this.changed) {
        for (const cb of this.listeners.get(`change:${key}`) || []) callbacks.add(cb);
      }
      this.changed.clear();
      for (const cb of callbacks) cb();
    }
    on(event, callback) {
      if (!this.listeners.has(event)) this.listeners.set(event, []);
      this.listeners.get(event).push(callback);
    }
    off(event, callback) {
      const list = this.listeners.get(event) || [];
      this.listeners.set(event, callback ? list.filter((cb) => cb !== callback) : []);
    }
  }

  function mount(el) {
    const name = el.dataset.widget;
    const widget = (window.bpkitWidgets || {})[name];
    const data = el.querySelector('script[type="application/json"]');
    if (!widget || !data) return;
    const state = JSON.parse(data.textContent);
    const model = new PageModel(widget, state);
    const host = document.createElement("div");
    host.className = "bpkit-widget-live";
    el.replaceChildren(host);
    el.classList.add("bpkit-widget-mounted");
    widget.render({ model, el: host });
    el.bpkitModel = model;  // for the browser tests and the curious reader's console
  }

  // A "skip to the widget" link at the top of the page, shown when it has keyboard focus.
  function addSkipLink(first) {
    if (!first.id) first.id = "bpkit-first-widget";
    const link = document.createElement("a");
    link.href = `#${first.id}`;
    link.className = "bpkit-skip-link";
    link.textContent = "Skip to the interactive widget";
    link.addEventListener("click", (event) => {
      event.preventDefault();
      first.scrollIntoView();
      const target = first.querySelector(".bpw") || first;
      target.focus();
    });
    document.body.prepend(link);
  }

  function mountAll() {
    const found = Array.from(document.querySelectorAll(".bpkit-widget"));
    for (const el of found) {
      try {
        mount(el);
      } catch (error) {
        el.insertAdjacentHTML("beforeend",
          '<p class="bpkit-widget-error">This widget could not start in this browser.</p>');
        throw error;
      }
    }
    if (found.length) addSkipLink(found[0]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
