// MedSearch web: progress for uploads (the form still works without JavaScript).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
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
