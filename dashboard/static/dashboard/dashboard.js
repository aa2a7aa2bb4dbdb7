// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  // Refresh panels marked data-refresh (progress, upload jobs) without a full reload.
  function poll(el) {
    var url = el.getAttribute("data-refresh");
    var seconds = parseFloat(el.getAttribute("data-interval") || "10");
    setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var box = document.createElement("div");
          box.innerHTML = html;
          var fresh = box.firstElementChild;
          el.replaceWith(fresh);
          makeSortable(fresh);
          if (fresh.hasAttribute("data-refresh")) poll(fresh);
        })
        .catch(function () { poll(el); });
    }, seconds * 1000);
  }
  // Click a header of a table.sortable to sort by that column (data-sort values first).
  function makeSortable(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th, col) {
        th.setAttribute("aria-sort", "none");
        th.tabIndex = 0;
        function sort() {
          var asc = th.getAttribute("aria-sort") !== "ascending";
          table.querySelectorAll("thead th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
          th.setAttribute("aria-sort", asc ? "ascending" : "descending");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = key(a.cells[col]), y = key(b.cells[col]);
            var cmp = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
            return asc ? cmp : -cmp;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        }
        th.addEventListener("click", sort);
        th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
      });
    });
  }
  function key(cell) {
    if (!cell) return "";
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    var n = parseFloat(raw);
    return isNaN(n) ? raw : n;
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh]").forEach(poll);
    makeSortable(document);
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-copy"));
        input.select();
        if (navigator.clipboard) navigator.clipboard.writeText(input.value);
        button.textContent = "Copied";
      });
    });
  });
})();
