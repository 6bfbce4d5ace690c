// The page: two views, and the inputs kept in the URL so that a link reproduces a view.
import { DescentView } from "./descent.js";
import { LearningView } from "./learning.js";

const $ = (id) => document.getElementById(id);
window.gradwalkExplore = { ready: false };

async function main() {
  const options = await (await fetch("/api/options")).json();
  const params = new URLSearchParams(location.search);
  let view = params.get("view") === "learning" ? "learning" : "descent";
  const save = () => {
    const state = { view, ...descent.state(), ...learning.state() };
    const url = `${location.pathname}?${new URLSearchParams(state)}`;
    history.replaceState(null, "", url);
    $("share").href = url;
  };
  const descent = new DescentView(options.descent, () => save());
  const learning = new LearningView(options.learning, () => save());
  descent.restore(params);
  learning.restore(params);
  const show = (name) => {
    view = name;
    for (const v of ["descent", "learning"]) {
      $(`view-${v}`).hidden = v !== name;
      $(`tab-${v}`).classList.toggle("active", v === name);
    }
    save();
    if (name === "learning" && !learning.session) learning.reset();
  };
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => show(tab.dataset.view));
  show(view);
  descent.update();
  window.gradwalkExplore.ready = true;
}

main().catch((error) => { $("status").textContent = `the page could not start: ${error.message}`; });
