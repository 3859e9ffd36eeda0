// MedSearch web: progress for uploads and the DICOM viewer's window form (both work without JavaScript).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The DICOM viewer: typing a centre or width selects the Custom window (the form works without this too).
  var preset = document.getElementById("preset");
  ["center", "width"].forEach(function (id) {
    var input = document.getElementById(id);
    if (input && preset) { input.addEventListener("input", function () { preset.value = "custom"; }); }
  });
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      event.preventDefault();
      var bar = document.getElementById(form.getAttribute("data-progress"));
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) { bar.hidden = false; bar.value = Math.round(100 * e.loaded / e.total); bar.textContent = bar.value + "%"; }
      });
      request.addEventListener("load", function () {
        document.open(); document.write(request.responseText); document.close();
      });
      request.addEventListener("error", function () { alert("The upload failed: the server could not be reached."); });
      request.send(new FormData(form));
    });
  });
});
