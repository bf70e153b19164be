// The chat page: the conversation id lives in an HttpOnly cookie the server issues.
const log = document.getElementById("log");

function show(text, cls) {
  const div = document.createElement("div");
  div.className = "msg " + cls;
  div.textContent = text;
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
}

async function say(message) {
  show(message, "user");
  try {
    const res = await fetch("/api/chat", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({message}),
    });
    const body = await res.json();
    if (!res.ok) { show(body.message || "助手暂时无法响应，请稍后再试。", "error"); return; }
    body.replies.filter(r => r.text).forEach(r => show(r.text, "bot"));
  } catch (e) {
    show("网络连接出了问题，请稍后再试，或直接拨打12345。", "error");
  }
}

document.getElementById("send").addEventListener("submit", ev => {
  ev.preventDefault();
  const input = document.getElementById("text");
  const message = input.value.trim();
  if (message) { input.value = ""; say(message); }
});
show("您好，这里是12345政务服务便民热线智能助手。可以咨询政策和办事流程、反映问题，或查询工单进度。", "bot");
