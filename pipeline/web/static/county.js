"use strict";
// Several materials for one review, and the kept 整改台账: each uploaded, then its result page.
const countyUpload = document.getElementById("county-upload");
if (countyUpload) {
  countyUpload.addEventListener("click", async function () {
    const input = document.getElementById("county-files");
    if (!input.files.length) { showMessage("请先选择要审查的材料（可多选）"); return; }
    const form = new FormData();
    Array.from(input.files).forEach(function (file) { form.append("files", file); });
    try {
      const data = await busy(countyUpload, "正在审查…", function () { return api("/api/county", {body: form}); });
      window.location.href = data.redirect;
    } catch (e) {
      // The request body as a whole is bounded: a county's materials may need more than one upload.
      showMessage(e.message.indexOf("413") >= 0 ? "所选材料合计超过上传上限：请分成几批上传" : e.message);
    }
  });
}
const ledgerUpload = document.getElementById("ledger-upload");
if (ledgerUpload) {
  ledgerUpload.addEventListener("click", function () { uploadFile("ledger-file", "/api/ledger", this); });
}
