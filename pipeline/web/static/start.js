"use strict";
document.querySelectorAll("button.pick").forEach(function (button) {
  button.addEventListener("click", async function () {
    try {
      const data = await replacing(button.dataset.ask, function (replace) {
        return busy(button, "正在打开…", function () {
          return api("/api/spec", {body: {spec: button.dataset.spec, replace: replace}});
        });
      });
      if (data) window.location.href = data.redirect;
    } catch (e) { showMessage(e.message); }
  });
});
document.querySelectorAll("button.delete-spec").forEach(function (button) {
  button.addEventListener("click", async function () {
    if (!confirm("删除会议规范“" + button.dataset.name + "”？已填写的表单不受影响。")) return;
    try {
      await api("/api/specs/" + encodeURIComponent(button.dataset.spec) + "/delete");
      button.closest("tr").remove();
    } catch (e) { showMessage(e.message); }
  });
});
document.getElementById("profile-upload").addEventListener("click", function () { uploadFile("profile-file", "/api/profile", this); });
document.getElementById("material-upload").addEventListener("click", function () { uploadFile("material-file", "/api/material", this); });

const noticeUpload = document.getElementById("notice-upload");
if (noticeUpload) {
  noticeUpload.addEventListener("click", async function () {
    const input = document.getElementById("notice-file");
    if (!input.files.length) { showMessage("请先选择会议通知文件"); return; }
    const form = new FormData();
    form.append("file", input.files[0]);
    try {
      const read = await busy(noticeUpload, "正在读取通知…", function () { return api("/api/notice", {body: form}); });
      const spec = read.spec;
      noticeConfirm.dataset.ask = read.ask || "";
      document.getElementById("notice-name").textContent = spec.name;
      document.getElementById("notice-meta").textContent =
        [spec.meeting, spec.body, spec.year ? spec.year + "年" : "", spec.theme ? "主题：" + spec.theme : ""].filter(Boolean).join(" · ");
      const list = document.getElementById("notice-aspects");
      list.innerHTML = "";
      spec.aspects.forEach(function (name) {
        const li = document.createElement("li");
        li.textContent = name;
        list.appendChild(li);
      });
      document.getElementById("notice-parts").textContent = spec.parts.length ? "部分：" + spec.parts.join("、") : "";
      document.getElementById("notice-result").hidden = false;
      showMessage("");
    } catch (e) { showMessage(e.message); }
  });
  const noticeConfirm = document.getElementById("notice-confirm");
  noticeConfirm.addEventListener("click", async function () {
    try {
      const data = await replacing(noticeConfirm.dataset.ask, function (replace) {
        return busy(noticeConfirm, "正在保存…", function () {
          return api("/api/notice/confirm", {body: {replace: replace}});
        });
      });
      if (data) window.location.href = data.redirect;
    } catch (e) { showMessage(e.message); }
  });
}
