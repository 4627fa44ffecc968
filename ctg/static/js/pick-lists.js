/*
 * Pick lists, enhanced (ctg/www/pick_lists.py renders them and they work without this file).
 *
 * On every element marked data-pick-list: a filter box that hides the options whose label does not contain what
 * is typed (accents and case ignored), with the number of options shown announced to screen readers. On a
 * checklist, the selection summary follows the ticked boxes, and the "toutes" box (data-pick-list-all) ticks or
 * unticks every box. Loaded with `defer`; content swapped in by htmx is enhanced too.
 */
(function () {
  "use strict";

  var counter = 0;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function plural(count, noun) {
    return count + " " + (count > 1 ? noun : noun.replace(/s$/, ""));
  }

  function itemsOf(list) {
    var select = list.querySelector("select");
    if (select) {
      return Array.prototype.filter.call(select.options, function (option) {
        return option.value !== "";
      });
    }
    return Array.prototype.slice.call(list.querySelectorAll("[data-pick-item]"));
  }

  function groupsOf(list) {
    var select = list.querySelector("select");
    return Array.prototype.slice.call(list.querySelectorAll(select ? "optgroup" : "[data-pick-group]"));
  }

  function summarise(list) {
    var summary = list.querySelector("[data-pick-list-summary]");
    if (!summary) {
      return;
    }
    var all = list.querySelector("[data-pick-list-all]");
    var boxes = Array.prototype.slice.call(list.querySelectorAll("[data-pick-item] input[type=checkbox]"));
    var ticked = boxes.filter(function (box) {
      return box.checked;
    });
    if (all && all.checked) {
      summary.textContent = "Sélection : " + all.parentElement.textContent.trim() + ".";
    } else if (ticked.length) {
      var names = ticked.map(function (box) {
        return box.parentElement.textContent.trim();
      });
      summary.textContent = "Sélection (" + ticked.length + " sur " + boxes.length + ") : " + names.join(", ") + ".";
    } else {
      summary.textContent = "Sélection : aucun élément.";
    }
  }

  function addFilter(list) {
    var items = itemsOf(list);
    var groups = groupsOf(list);
    var noun = list.getAttribute("data-pick-list-noun") || "éléments";
    var id = "pick-list-filtre-" + ++counter;
    var box = document.createElement("div");
    box.className = "pick-list-filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "Filtrer la liste";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.placeholder = "Tapez une partie du nom";
    var status = document.createElement("span");
    status.className = "pick-list-count";
    status.setAttribute("aria-live", "polite");
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    list.insertBefore(box, list.firstChild);

    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // typing in the filter never submits the form
      }
    });
    input.addEventListener("input", function () {
      var query = fold(input.value);
      var shown = 0;
      items.forEach(function (item) {
        var match = !query || fold(item.textContent).indexOf(query) !== -1;
        item.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      groups.forEach(function (group) {
        var visible = Array.prototype.some.call(group.querySelectorAll("option, [data-pick-item]"), function (item) {
          return !item.hidden;
        });
        group.hidden = !visible;
      });
      status.textContent = query ? plural(shown, noun) + " sur " + items.length : "";
    });
  }

  function enhance(list) {
    if (list.hasAttribute("data-pick-list-ready")) {
      return;
    }
    list.setAttribute("data-pick-list-ready", "");
    addFilter(list);
    var all = list.querySelector("[data-pick-list-all]");
    list.addEventListener("change", function (event) {
      var target = event.target;
      if (all && target === all) {
        list.querySelectorAll("[data-pick-item] input[type=checkbox]").forEach(function (box) {
          box.checked = all.checked;
        });
      } else if (all && target.type === "checkbox" && !target.checked) {
        all.checked = false;
      }
      summarise(list);
    });
  }

  function enhanceAll(root) {
    if (root.matches && root.matches("[data-pick-list]")) {
      enhance(root);
    }
    root.querySelectorAll("[data-pick-list]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      enhanceAll(document);
    });
  } else {
    enhanceAll(document);
  }
  document.addEventListener("htmx:load", function (event) {
    enhanceAll(event.target);
  });
})();
