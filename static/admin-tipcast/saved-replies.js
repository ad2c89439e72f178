// Insert a saved reply into the answer box at the cursor. The replies come from
// data-body attributes (no inline script: the site's CSP is script-src 'self').
(function () {
  "use strict";
  document.querySelectorAll(".tipcast-saved-replies").forEach(function (container) {
    var textarea = document.getElementById(container.dataset.target);
    var picker = container.querySelector(".tipcast-saved-replies-picker");
    var select = container.querySelector("select");
    var button = container.querySelector("button");
    if (!textarea || !picker || !select || !button) {
      return;
    }
    picker.hidden = false;
    button.addEventListener("click", function () {
      var option = select.options[select.selectedIndex];
      if (!option) {
        return;
      }
      var text = option.dataset.body || "";
      var start = textarea.selectionStart;
      var end = textarea.selectionEnd;
      var before = textarea.value.slice(0, start);
      var after = textarea.value.slice(end);
      var separator = before && !before.endsWith("\n") ? "\n" : "";
      textarea.value = before + separator + text + after;
      var cursor = (before + separator + text).length;
      textarea.focus();
      textarea.setSelectionRange(cursor, cursor);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
