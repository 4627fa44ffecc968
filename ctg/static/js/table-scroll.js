/* A table wider than the screen scrolls inside its .table-scroll box; when it does, the box is a named region
   that takes the keyboard focus, so that it can be scrolled with the arrow keys. */
(function () {
  "use strict";

  function label(box) {
    var caption = box.querySelector("caption");
    var name = caption ? caption.textContent.replace(/\s+/g, " ").trim() : "Tableau";
    return name + " (défilement horizontal)";
  }

  function update() {
    var boxes = document.querySelectorAll(".table-scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.dataset.tableScroll === "fixed") continue;
      if (!box.hasAttribute("tabindex") || box.dataset.tableScroll === "auto") {
        if (box.scrollWidth > box.clientWidth + 1) {
          box.dataset.tableScroll = "auto";
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", label(box));
        } else if (box.dataset.tableScroll === "auto") {
          box.removeAttribute("tabindex");
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
          delete box.dataset.tableScroll;
        }
      } else {
        box.dataset.tableScroll = "fixed";  // made focusable by its template
      }
    }
  }

  var pending = null;
  function later() {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(function () { pending = null; update(); }, 150);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { update(); });
  } else {
    update();
  }
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", function () { update(); });
})();
