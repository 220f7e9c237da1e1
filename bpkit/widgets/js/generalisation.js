// generalisation.js: the overfitting explorer (Chapter 7). Four menus (training digits,
// width, weight decay, dropout rate) choose one of 16 runs that bpkit trained when the widget
// was made; the chart shows its training and validation loss per epoch (log scale) and the
// status line its last epoch's numbers and the gap between the two losses.
//
// Model traits (bpkit.widgets.generalisation.GeneralisationExplorer):
//   controls  {n_train, width, weight_decay, dropout}   the menus write them
//   initial   the same keys: where Reset returns
//   runs      {"n_train|width|weight_decay|dropout": {train_loss, val_loss, train_acc,
//              val_acc}}: every run of the grid, per epoch
//   result    generalisation_state(runs, controls)

const GEN_W = 400, GEN_H = 270;
// [control, label, choices]: the grid of bpkit.widgets.generalisation.
const GEN_MENUS = [["n_train", "training digits", [100, 300]], ["width", "hidden units", [16, 128]],
  ["weight_decay", "weight decay \u03b3", [0, 0.001]], ["dropout", "dropout rate r", [0, 0.5]]];

// Where there is no kernel: look the run up (mirrors GeneralisationExplorer.compute).
function compute(state) {
  return { result: generalisationState(state.runs, state.controls) };
}

const actions = {
  // Mirrors GeneralisationExplorer.reset.
  reset(state) {
    const controls = { ...state.initial };
    return { controls, result: generalisationState(state.runs, controls) };
  },
};

function render({ model, el }) {
  addStyle(el);
  ownKeys(el);
  const root = h("div", { class: "bpw bpw-generalisation", tabindex: "-1" });
  root.dataset.widget = "generalisation";
  el.append(root);
  const row = h("div", { class: "bpw-row" });
  root.append(row);

  const controls = h("div", { class: "bpw-controls", role: "group",
    "aria-label": "training settings" });
  const menus = {};
  for (const [name, label, choices] of GEN_MENUS) {
    const id = uid(name);
    const select = ownKeys(h("select", { id, name }));
    for (const v of choices) select.append(h("option", { value: String(v), text: String(v) }));
    select.addEventListener("change", () => {
      model.set("controls", { ...model.get("controls"), [name]: Number(select.value) });
      model.save_changes();
    });
    menus[name] = select;
    controls.append(h("div", { class: "bpw-select" }, h("label", { for: id, text: label }),
      select));
  }
  controls.append(h("div", {}, button("Reset", () => model.send({ event: "reset" }),
    { "aria-label": "Reset to the starting settings" })));
  controls.append(h("p", { class: "bpw-note", text: "Precomputed: bpkit trained all 16 "
    + "settings when the chapter was run; the widget looks each one up." }));

  const view = h("div", { class: "bpw-view" });
  row.append(controls, view);
  const c = chart(view, { width: GEN_W, height: GEN_H, title: "Loss per epoch",
    xlabel: "epoch", ylabel: "loss (log10)" });
  const trainLine = s("polyline", { fill: "none", stroke: POSITIVE, "stroke-width": 2.5,
    "data-line": "train" }, c.layer);
  const valLine = s("polyline", { fill: "none", stroke: NEGATIVE, "stroke-width": 2.5,
    "stroke-dasharray": "7 4", "data-line": "val" }, c.layer);
  const legend = s("g", {}, c.svg);
  for (const [i, [text, colour, dash]] of [["training", POSITIVE, ""],
    ["validation", NEGATIVE, "7 4"]].entries()) {
    const y = c.box.y0 + 16 + 18 * i;
    s("line", { x1: c.box.x1 - 118, x2: c.box.x1 - 94, y1: y - 4, y2: y - 4, stroke: colour,
      "stroke-width": 2.5, "stroke-dasharray": dash }, legend);
    s("text", { x: c.box.x1 - 88, y, text }, legend);
  }
  const numbers = {};
  const status = h("p", { class: "bpw-status", role: "status", "aria-live": "polite" });
  for (const [key, text] of [["train_loss", "After the last epoch: training loss "],
    ["val_loss", ", validation loss "], ["gap", ", gap "], ["train_acc", "; accuracy: training "],
    ["val_acc", ", validation "]]) {
    numbers[key] = numberSpan(0);
    numbers[key].dataset.key = key;
    status.append(text, numbers[key]);
  }
  status.append(".");
  view.append(status);

  function draw() {
    const r = model.get("result");
    const ctl = model.get("controls");
    for (const [name] of GEN_MENUS) menus[name].value = String(ctl[name]);
    const logs = [...r.train_loss_curve, ...r.val_loss_curve].map(Math.log10);
    c.setLimits([0, r.epochs.length - 1], [Math.floor(Math.min(...logs)),
      Math.ceil(Math.max(...logs))]);
    trainLine.setAttribute("points", points(r.epochs, r.train_loss_curve.map(Math.log10), c));
    valLine.setAttribute("points", points(r.epochs, r.val_loss_curve.map(Math.log10), c));
    for (const key of Object.keys(numbers)) setNumber(numbers[key], r[key]);
    c.svg.setAttribute("aria-label", `Training and validation loss per epoch, log scale, for `
      + `${ctl.n_train} training digits, ${ctl.width} hidden units, weight decay `
      + `${ctl.weight_decay} and dropout rate ${ctl.dropout}: the training loss ends at `
      + `${fmt(r.train_loss)}, the validation loss at ${fmt(r.val_loss)}.`);
  }
  model.on("change:result", draw);
  model.on("change:controls", draw);
  draw();
  return () => {
    model.off("change:result", draw);
    model.off("change:controls", draw);
  };
}

export default { render, compute, actions };
