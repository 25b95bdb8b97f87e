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
  if (!response.ok) {
    const error = new Error(data.error || ("请求失败（" + response.status + "）"));
    error.code = data.code;
    throw error;
  }
  return data;
}

// A step that replaces what the clerk typed asks first, with the question the page came with; cancelled, nothing
// is sent (null). Should the server find more typed since (another tab), it refuses with its own question (409).
async function replacing(question, send) {
  if (question && !window.confirm(question)) return null;
  try {
    return await send(Boolean(question));
  } catch (e) {
    if (e.code !== "replace" || question) throw e;
    if (!window.confirm(e.message)) return null;
    return await send(true);
  }
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
  try {
    const data = await replacing(button && button.dataset.ask, function (replace) {
      const form = new FormData();
      form.append("file", input.files[0]);
      if (replace) form.append("replace", "true");
      const send = function () { return api(url, {body: form}); };
      return button ? busy(button, "正在读取…", send) : send();
    });
    if (data) window.location.href = data.redirect;
  } catch (e) { showMessage(e.message); }
}
