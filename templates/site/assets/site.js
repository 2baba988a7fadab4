/* kbtools site: light/dark toggle. The page works without this script; it only adds the
   toggle (the system setting applies otherwise). Loaded in <head> so the saved theme is set
   before the first paint. */
(function () {
  var KEY = "kb-theme", root = document.documentElement;
  try { var saved = localStorage.getItem(KEY); if (saved) root.dataset.theme = saved; } catch (e) {}
  function current() {
    return root.dataset.theme ||
      (window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    button.hidden = false;
    button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      button.setAttribute("aria-pressed", next === "dark" ? "true" : "false");
      try { localStorage.setItem(KEY, next); } catch (e) {}
    });
  });
})();
