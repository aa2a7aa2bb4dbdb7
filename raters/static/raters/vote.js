// Keyboard shortcuts for the voting form: 1, 2, 3 (and 4 when the study offers "both are bad")
// choose (in a per-turn study, for the turn in focus or else the first turn not answered yet,
// then focus moves on); in a rating study 1..9 (0 for a tenth label) choose a grade, and in a dialogue the
// grade of the turn in focus, or else of the first turn not graded yet, then focus moves on.
// Enter submits once every choice is made. The form works without this file (a plain form post).
(function () {
  "use strict";
  var form = document.getElementById("vote-form");
  if (!form) return;
  var groups = Array.prototype.slice.call(form.querySelectorAll("fieldset")).filter(function (g) {
    return g.querySelector('input[type="radio"]');
  });
  var sent = false;
  form.addEventListener("submit", function (event) {
    if (sent) { event.preventDefault(); return; }  // a double click posts once
    sent = true;
  });
  function radios(group) { return group.querySelectorAll('input[type="radio"]'); }
  function done(group) { return !!group.querySelector('input[type="radio"]:checked'); }
  function current(target) {
    for (var i = 0; i < groups.length; i++) if (groups[i].contains(target)) return groups[i];
    for (var j = 0; j < groups.length; j++) if (!done(groups[j])) return groups[j];
    return groups[groups.length - 1];
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" && target.type === "text")) return;
    var index = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"].indexOf(event.key);
    if (index >= 0 && groups.length) {
      var group = current(target);
      var options = radios(group);
      if (!options[index]) return;
      options[index].checked = true;
      event.preventDefault();
      var at = groups.indexOf(group);
      var next = groups.length > 1 && at + 1 < groups.length ? radios(groups[at + 1])[0] : null;
      (next && !done(groups[at + 1]) ? next : options[index]).focus();
      if (next && !done(groups[at + 1])) next.scrollIntoView({block: "center"});
    } else if (event.key === "Enter" && groups.length && groups.every(done)) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });
  form.setAttribute("data-keys", "ready");  // the shortcuts listen from here on (browser tests wait for it)
})();
