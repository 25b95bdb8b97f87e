"use strict";
document.querySelectorAll("button.pick").forEach(function (button) {
  button.addEventListener("click", async function () {
    try {
      const data = await api("/api/spec", {body: {spec: button.dataset.spec}});
      window.location.href = data.redirect;
    } catch (e) { showMessage(e.message); }
  });
});
document.getElementById("profile-upload").addEventListener("click", function () { uploadFile("profile-file", "/api/profile"); });
document.getElementById("material-upload").addEventListener("click", function () { uploadFile("material-file", "/api/material"); });
