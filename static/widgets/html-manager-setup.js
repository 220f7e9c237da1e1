// Runs between RequireJS and @jupyter-widgets/html-manager 1.0.6 (vendor/widgets/embed-amd.js)
// on the pages that show a saved ipywidget (_config.yml, nb_ipywidgets_js). It fixes two things
// html-manager assumes of the page it runs on, without changing html-manager itself.
(function () {
  "use strict";
  // This file's folder, _static/widgets/, which also holds embed-amd.js and its fonts.
  var src = document.currentScript.src;
  var here = src.slice(0, src.lastIndexOf("/") + 1);

  // 1. Fonts. html-manager's modules are named AMD modules and look for their fonts beside
  // the URL RequireJS gives each module name (`module.uri`). With no configuration that is
  // "<page folder>/@jupyter-widgets/...", where there is nothing. Map the four module names
  // to this folder; the modules are already defined by embed-amd.js, so nothing is fetched.
  window.require.config({
    paths: {
      "@jupyter-widgets/base": here + "base",
      "@jupyter-widgets/controls": here + "controls",
      "@jupyter-widgets/html-manager": here + "html-manager",
      "@jupyter-widgets/html-manager/dist": here.slice(0, -1),
    },
  });

  // 2. MathJax. html-manager typesets a widget's text with MathJax 2's
  // `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])` whenever `window.MathJax` exists;
  // the site ships MathJax 3, which has no `Hub`. Give it a `Hub` that does the same with
  // MathJax 3's `typesetPromise`.
  var waiting = [];
  function typeset(element) {
    var mj = window.MathJax;
    if (!(mj && mj.startup && mj.startup.promise && mj.typesetPromise)) {
      waiting.push(element); // MathJax 3 has not started yet: typeset once it has
      return;
    }
    mj.startup.promise
      .then(function () { return mj.typesetPromise(element ? [element] : undefined); })
      .catch(function (err) { console.warn("MathJax could not typeset a widget:", err); });
  }
  var hub = {
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (typeof job === "function") job();
        else if (Array.isArray(job) && job[0] === "Typeset") typeset(job[2]);
      }
    },
  };
  var mathjax = window.MathJax;
  if (!mathjax) return; // a page without MathJax: html-manager does not typeset at all
  mathjax.Hub = hub;
  if (mathjax.version) return; // MathJax 3 has already started
  // `window.MathJax` is still the configuration (MathJax loads deferred): MathJax 3 replaces
  // it by its own object when it starts, so add `Hub` to that object in its ready hook.
  var startup = (mathjax.startup = mathjax.startup || {});
  var ready = startup.ready;
  startup.ready = function () {
    if (ready) ready();
    else window.MathJax.startup.defaultReady();
    window.MathJax.Hub = hub;
    waiting.splice(0).forEach(typeset);
  };
})();
