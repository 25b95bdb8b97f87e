"use strict";
const body = document.getElementById("review-body");

function startEdit(para) {
  if (para.querySelector("textarea")) return;
  const textDiv = para.querySelector(".text");
  const original = textDiv.textContent;
  const area = document.createElement("textarea");
  area.value = original;
  area.rows = Math.max(3, Math.ceil(original.length / 40));
  const save = document.createElement("button");
  save.textContent = "保存并重新检查";
  save.className = "primary save";
  const cancel = document.createElement("button");
  cancel.textContent = "取消";
  const editor = document.createElement("div");
  editor.className = "editor";
  editor.append(area, save, cancel);
  textDiv.hidden = true;
  para.querySelector("button.edit").hidden = true;
  para.appendChild(editor);
  area.focus();
  cancel.addEventListener("click", function () {
    editor.remove(); textDiv.hidden = false; para.querySelector("button.edit").hidden = false;
  });
  save.addEventListener("click", async function () {
    save.disabled = true;
    save.textContent = "检查中…";
    try {
      const data = await api("/api/paragraph", {body: {index: Number(para.dataset.index), text: area.value}});
      const index = para.dataset.index;
      body.innerHTML = data.html;
      showMessage("");
      const again = document.getElementById("p" + index);
      if (again) { again.classList.add("just-saved"); again.scrollIntoView({block: "center"}); }
    } catch (e) {
      showMessage(e.message);
      save.disabled = false;
      save.textContent = "保存并重新检查";
    }
  });
}

body.addEventListener("click", function (event) {
  const button = event.target.closest("button.edit");
  if (button) startEdit(button.closest(".para"));
});

const undoDraft = document.getElementById("undo-draft");
if (undoDraft) {
  undoDraft.addEventListener("click", async function () {
    try {
      const data = await api("/api/draft/undo");
      window.location.href = data.redirect;
    } catch (e) { showMessage(e.message); }
  });
}
