/* Drag and drop in the report editor: dropping a node posts the same move as the buttons
   ("put this node after that sibling"), then the page reloads to show the new order. */
"use strict";
(function () {
  var ops = document.getElementById("ops");
  if (!ops || typeof Sortable === "undefined") {
    return;
  }

  function place(item) {
    var node = item.querySelector(":scope > .editor-tools, :scope > .editor-block-tools");
    var previous = item.previousElementSibling;
    while (previous && !previous.matches(item.dataset.sortKind)) {
      previous = previous.previousElementSibling;
    }
    var after = previous ? previous.querySelector(":scope > .editor-tools") : null;
    var data = new FormData(ops);
    data.append("op", "place");
    data.append("node", node.dataset.move);
    data.append("after", after ? after.dataset.move : "");
    fetch(ops.action, { method: "POST", body: data, credentials: "same-origin" }).then(function () {
      window.location.reload();
    });
  }

  function sortable(container, selector) {
    Sortable.create(container, {
      draggable: selector,
      handle: ".editor-tools",
      filter: "a, button",
      preventOnFilter: false,
      animation: 150,
      onEnd: function (event) {
        if (event.oldIndex !== event.newIndex) {
          event.item.dataset.sortKind = selector;
          place(event.item);
        }
      },
    });
  }

  document.querySelectorAll(".report-editor .group").forEach(function (group) {
    sortable(group, ".initiative");
  });
  document.querySelectorAll(".editor-children").forEach(function (children) {
    sortable(children, ".initiative");
  });
  document.querySelectorAll(".editor-blocks").forEach(function (blocks) {
    sortable(blocks, ".editor-block");
  });
})();
