/* kbtools site: pagefind's default UI on search/. The site's root comes from the page's own
   URL (data-root is relative), so results link correctly under any sub-path. ?q=… starts a
   search. */
(function () {
  var box = document.getElementById("search");
  if (!box || !window.PagefindUI) return;
  var root = new URL(box.getAttribute("data-root") || "./", location.href);
  var ui = new PagefindUI({
    element: "#search",
    baseUrl: root.pathname,
    bundlePath: new URL("pagefind/", root).pathname,
    showSubResults: true,
    showImages: false,
    autofocus: true,
    translations: { placeholder: box.getAttribute("data-placeholder") || "Search" }
  });
  var q = new URLSearchParams(location.search).get("q");
  if (q) ui.triggerSearch(q);
})();
