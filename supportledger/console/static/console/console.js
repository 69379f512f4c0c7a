// Keyboard shortcuts for the staff console: two-key sequences ("g q") and
// single keys, declared on links and buttons with data-key. Typing in a
// field never triggers them.
(function () {
  "use strict";
  let pending = "";
  let timer = null;
  function typing(target) {
    const tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }
  function activate(el) {
    if (el.tagName === "A") { window.location.href = el.href; return; }
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT") { el.focus(); return; }
    el.click();
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (event.key === "?") { const help = document.querySelector("footer.keys"); if (help) { help.scrollIntoView(); } return; }
    const key = pending ? pending + " " + event.key : event.key;
    const el = document.querySelector('[data-key="' + key + '"]');
    if (el) { event.preventDefault(); pending = ""; activate(el); return; }
    const starts = document.querySelector('[data-key^="' + key + ' "]');
    if (starts) { pending = key; clearTimeout(timer); timer = setTimeout(function () { pending = ""; }, 1200); event.preventDefault(); return; }
    pending = "";
  });
})();

// A select marked data-autosubmit sends its form when changed (the language
// switcher); an attribute, not an inline handler, so the Content-Security-Policy
// needs no 'unsafe-inline'.
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
});
