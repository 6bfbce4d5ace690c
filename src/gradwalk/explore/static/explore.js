// The page: two views, its language, and the inputs kept in the URL so that a link
// reproduces a view.
import { _, browserLanguage, format, language, useLanguage } from "./common.js";
import { DescentView } from "./descent.js";
import { LearningView } from "./learning.js";

const $ = (id) => document.getElementById(id);
window.gradwalkExplore = { ready: false };

// The language of the page: the link's (lang=), else the browser's, else English.
function chosenLanguage(params, spoken) {
  const asked = (params.get("lang") ?? "").toLowerCase().split(/[-_]/)[0];
  const code = Object.keys(spoken).find((c) => c.toLowerCase().split("_")[0] === asked);
  return code ?? browserLanguage(spoken);
}

async function main() {
  const options = await (await fetch("/api/options")).json();
  const params = new URLSearchParams(location.search);
  const menu = $("lang");
  for (const [code, name] of Object.entries(options.languages)) menu.add(new Option(name, code));
  menu.value = chosenLanguage(params, options.languages);
  await useLanguage(menu.value);
  let view = params.get("view") === "learning" ? "learning" : "descent";
  const url = () => `${location.pathname}?${new URLSearchParams({ view, lang: language(), ...descent.state(), ...learning.state() })}`;
  const save = () => {
    history.replaceState(null, "", url());
    $("share").href = url();
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
  // another language: the same view, with its inputs, opened again in that language
  menu.addEventListener("change", () => {
    const next = new URLSearchParams(url().split("?")[1]);
    next.set("lang", menu.value);
    location.assign(`${location.pathname}?${next}`);
  });
  show(view);
  descent.update();
  window.gradwalkExplore.ready = true;
}

main().catch((error) => { $("status").textContent = format(_("the page could not start: {reason}"), { reason: error.message }); });
