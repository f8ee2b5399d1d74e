// A link to a folded form (e.g. the close refusal's "Kundeninformation erfassen" -> #record-notification)
// opens that <details> and moves the focus into it, so the fix is one click and no scrolling.
(function () {
  "use strict";

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target || target.tagName !== "DETAILS") {
      return;
    }
    target.open = true;
    var field = target.querySelector("input:not([type=hidden]), select, textarea, button");
    if (field) {
      field.focus();
    }
  }

  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
