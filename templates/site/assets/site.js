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
    // search needs JavaScript: without it the header's search link goes to the all-notes page
    document.querySelectorAll("a[data-search]").forEach(function (a) {
      a.setAttribute("href", a.getAttribute("data-search"));
    });
    graphs();
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
  // graphs: hovering (or focusing) a node highlights its links and neighbours
  function graphs() {
    document.querySelectorAll("svg.graph").forEach(function (svg) {
      var lines = svg.querySelectorAll(".edges line");
      function mark(n, on) {
        svg.classList.toggle("dim", on);
        var near = {}; near[n] = true;
        lines.forEach(function (l) {
          var hit = on && (l.getAttribute("data-a") === n || l.getAttribute("data-b") === n);
          l.classList.toggle("hl", hit);
          if (hit) { near[l.getAttribute("data-a")] = true; near[l.getAttribute("data-b")] = true; }
        });
        svg.querySelectorAll(".node").forEach(function (a) {
          a.classList.toggle("hl", on && !!near[a.getAttribute("data-n")]);
        });
      }
      svg.querySelectorAll(".node").forEach(function (a) {
        var n = a.getAttribute("data-n");
        ["mouseenter", "focus"].forEach(function (e) { a.addEventListener(e, function () { mark(n, true); }); });
        ["mouseleave", "blur"].forEach(function (e) { a.addEventListener(e, function () { mark(n, false); }); });
      });
    });
  }
})();
