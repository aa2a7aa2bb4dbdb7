// Keyboard shortcuts for the voting form: 1, 2, 3 (and 4 when the study offers "both are bad")
// choose; Enter submits once a choice is made.
// The form works without this file (a plain form post).
(function () {
  "use strict";
  var form = document.getElementById("vote-form");
  if (!form) return;
  var radios = form.querySelectorAll('input[name="choice"]');
  var sent = false;
  form.addEventListener("submit", function (event) {
    if (sent) { event.preventDefault(); return; }  // a double click posts once
    sent = true;
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" && target.type === "text")) return;
    var index = ["1", "2", "3", "4"].indexOf(event.key);
    if (index >= 0 && radios[index]) {
      radios[index].checked = true;
      radios[index].focus();
      event.preventDefault();
    } else if (event.key === "Enter" && form.querySelector('input[name="choice"]:checked')) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });
})();
