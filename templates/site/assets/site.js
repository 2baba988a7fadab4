/* kbtools site: the one script every page shares. The pages work without it; it adds
   - the light/dark toggle (the system setting applies otherwise); loaded in <head> so the saved
     theme is set before the first paint;
   - the search link (without JavaScript it leads to the list of notes);
   - graphs (svg.graph, drawn at build time): hovering or focusing a node highlights its links
     and neighbours; on the global graph (figure[data-graph-zoom]) also pan (drag) and zoom
     (wheel, the +/−/⟲ buttons, keys + − 0 and arrows), done on the SVG's viewBox. */
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
      var lines = svg.querySelectorAll(".edges line"), nodes = {}, adj = {}, lit = [];
      svg.querySelectorAll(".node").forEach(function (a) { nodes[a.getAttribute("data-n")] = a; });
      lines.forEach(function (l) {
        var a = l.getAttribute("data-a"), b = l.getAttribute("data-b");
        (adj[a] = adj[a] || []).push([b, l]);
        (adj[b] = adj[b] || []).push([a, l]);
      });
      function clear() {
        lit.forEach(function (el) { el.classList.remove("hl"); });
        lit = [];
        svg.classList.remove("dim");
      }
      function mark(n) {
        clear();
        svg.classList.add("dim");
        lit.push(nodes[n]);
        (adj[n] || []).forEach(function (pair) { lit.push(nodes[pair[0]], pair[1]); });
        lit.forEach(function (el) { if (el) el.classList.add("hl"); });
      }
      Object.keys(nodes).forEach(function (n) {
        var a = nodes[n];
        a.addEventListener("mouseenter", function () { if (!svg.classList.contains("dragging")) mark(n); });
        a.addEventListener("focus", function () { mark(n); });
        ["mouseleave", "blur"].forEach(function (e) { a.addEventListener(e, clear); });
      });
      var figure = svg.closest("[data-graph-zoom]");
      if (figure) zoomable(svg, figure);
    });
  }
  // pan and zoom of one graph: the viewBox is the view; the drawing itself never changes
  function zoomable(svg, figure) {
    var box = svg.viewBox.baseVal;
    if (!box || !box.width) return;
    var home = { x: box.x, y: box.y, w: box.width, h: box.height }, MAX = 8, STEP = 1.5;
    var view = { x: home.x, y: home.y, w: home.w, h: home.h };
    function apply() {
      var scale = home.w / view.w;
      // keep the centre of the view over the drawing
      var cx = Math.min(Math.max(view.x + view.w / 2, home.x), home.x + home.w);
      var cy = Math.min(Math.max(view.y + view.h / 2, home.y), home.y + home.h);
      view.x = cx - view.w / 2; view.y = cy - view.h / 2;
      svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (v) {
        return Math.round(v * 100) / 100; }).join(" "));
      svg.setAttribute("data-scale", scale.toFixed(2));
      svg.style.setProperty("--graph-scale", scale);  // CSS keeps labels and lines their size
      svg.classList.toggle("zoomed", scale >= 2);  // CSS then names every node
    }
    function zoom(factor, px, py) {  // factor > 1 zooms in, around (px, py) in SVG units
      var w = Math.min(Math.max(view.w / factor, home.w / MAX), home.w), k = w / view.w;
      if (px === undefined) { px = view.x + view.w / 2; py = view.y + view.h / 2; }
      view.x = px - (px - view.x) * k; view.y = py - (py - view.y) * k;
      view.w = w; view.h = view.h * k;
      apply();
    }
    function pan(dx, dy) { view.x += dx; view.y += dy; apply(); }
    function reset() { view = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); }
    function units() { return view.w / (svg.getBoundingClientRect().width || home.w); }
    function at(e) {
      var r = svg.getBoundingClientRect(), u = units();
      return [view.x + (e.clientX - r.left) * u, view.y + (e.clientY - r.top) * u];
    }
    svg.classList.add("zoomable");
    figure.querySelectorAll("[hidden].graph-controls, [hidden].graph-hint").forEach(function (el) {
      el.hidden = false;
    });
    figure.querySelectorAll("button[data-zoom]").forEach(function (b) {
      b.addEventListener("click", function () {
        var how = b.getAttribute("data-zoom");
        if (how === "in") zoom(STEP); else if (how === "out") zoom(1 / STEP); else reset();
      });
    });
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var dy = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1), p = at(e);
      zoom(Math.exp(-Math.max(-300, Math.min(300, dy)) / 300), p[0], p[1]);
    }, { passive: false });
    // drag to pan; a drag that started on a node does not follow its link
    var drag = null, moved = false;
    svg.addEventListener("dragstart", function (e) { e.preventDefault(); });
    svg.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, u: units(), id: e.pointerId };
      moved = false;
    });
    svg.addEventListener("pointermove", function (e) {
      if (!drag || e.pointerId !== drag.id) return;
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!moved) { moved = true; svg.classList.add("dragging"); svg.setPointerCapture(e.pointerId); }
      view.x = drag.vx - dx * drag.u; view.y = drag.vy - dy * drag.u;
      apply();
    });
    function end() { drag = null; svg.classList.remove("dragging"); }
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    svg.addEventListener("click", function (e) {
      if (moved) { e.preventDefault(); e.stopPropagation(); moved = false; }
    }, true);
    // keys while the focus is in the graph (a node or a button)
    figure.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      var step = view.w / 10, keys = {
        "+": function () { zoom(STEP); }, "=": function () { zoom(STEP); },
        "-": function () { zoom(1 / STEP); }, "_": function () { zoom(1 / STEP); },
        "0": reset,
        ArrowLeft: function () { pan(-step, 0); }, ArrowRight: function () { pan(step, 0); },
        ArrowUp: function () { pan(0, -step); }, ArrowDown: function () { pan(0, step); }
      }, act = keys[e.key];
      if (act) { e.preventDefault(); act(); }
    });
    // a node reached with Tab is brought into view (listening on the figure: in Chromium an SVG
    // element with a focus listener of its own becomes a Tab stop)
    figure.addEventListener("focusin", function (e) {
      var c = svg.contains(e.target) && e.target.querySelector("circle");
      if (!c) return;
      var x = c.cx.baseVal.value, y = c.cy.baseVal.value;
      if (x < view.x || x > view.x + view.w || y < view.y || y > view.y + view.h) {
        pan(x - (view.x + view.w / 2), y - (view.y + view.h / 2));
      }
    });
  }
})();
