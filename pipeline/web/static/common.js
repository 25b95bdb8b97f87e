"use strict";
// Every change goes through api(): the X-Duizhao header marks it as coming from these pages.
async function api(url, options) {
  options = options || {};
  const headers = Object.assign({"X-Duizhao": "1"}, options.headers || {});
  let body = options.body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  let response;
  try {
    // A keepalive request (the last save as the page closes) may carry at most 64 KB; a bigger form goes plainly.
    const keepalive = Boolean(options.keepalive) && typeof body === "string" && new Blob([body]).size < 60000;
    response = await fetch(url, {method: options.method || "POST", headers, body, credentials: "same-origin", keepalive});
  } catch (e) {
    throw new Error("连接不上工作台服务，请确认 duizhao serve 仍在运行");
  }
  let data = {};
  try { data = await response.json(); } catch (e) { data = {}; }
  if (!response.ok) throw new Error(data.error || ("请求失败（" + response.status + "）"));
  return data;
}

// An action that may take more than a moment: the button says so and cannot be pressed twice meanwhile.
async function busy(button, label, work) {
  const text = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.classList.add("busy");
  button.textContent = label;
  try { return await work(); } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.classList.remove("busy");
    button.textContent = text;
  }
}

function showMessage(text) {
  const box = document.getElementById("message");
  if (!box) { alert(text); return; }
  box.textContent = text;
  box.hidden = !text;
  if (text) box.scrollIntoView({block: "nearest"});
}

async function uploadFile(inputId, url, button) {
  const input = document.getElementById(inputId);
  if (!input.files.length) { showMessage("请先选择文件"); return; }
  const form = new FormData();
  form.append("file", input.files[0]);
  try {
    const send = function () { return api(url, {body: form}); };
    const data = button ? await busy(button, "正在读取…", send) : await send();
    window.location.href = data.redirect;
  } catch (e) { showMessage(e.message); }
}
