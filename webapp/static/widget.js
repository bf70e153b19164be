// 12345 chat widget: <script src="https://…/static/widget.js" data-position="right" async></script>
// A floating 12345 button that opens the chat (an iframe of this server's page) in a panel. The
// button and panel live in a shadow root and the chat in its own document: the host page's CSS
// cannot reach them, and nothing here styles the host page.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__hotline12345Widget) return;
  window.__hotline12345Widget = true;
  var origin = new URL(script.src, location.href).origin;
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var title = script.getAttribute("data-title") || "12345 在线咨询";

  var css = [
    ":host{all:initial!important;position:fixed!important;z-index:2147483000!important;bottom:20px!important;" + side + ":20px!important;display:block!important}",
    "*{box-sizing:border-box}",
    ".fab{all:initial;box-sizing:border-box;display:flex;align-items:center;justify-content:center;width:64px;height:64px;border-radius:50%;",
    "background:#05803c;color:#fff;font:700 16px/1 'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif;cursor:pointer;",
    "box-shadow:0 4px 14px rgba(0,0,0,.3)}",
    ".fab:focus-visible,.close:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}",
    ".fab{position:relative}.badge{position:absolute;top:2px;right:2px;width:14px;height:14px;border-radius:50%;background:#c0161b;border:2px solid #fff}",
    ".panel{position:fixed;bottom:96px;" + side + ":20px;width:380px;height:min(640px,calc(100vh - 120px));display:flex;flex-direction:column;",
    "background:#ededed;border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.3)}",
    ".panel[hidden]{display:none}",
    ".bar{all:initial;display:flex;align-items:center;justify-content:space-between;height:44px;padding:0 6px 0 14px;background:#05803c;color:#fff;",
    "font:600 16px/1 'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif}",
    ".close{all:initial;width:40px;height:40px;display:flex;align-items:center;justify-content:center;color:#fff;font:400 26px/1 sans-serif;cursor:pointer}",
    "iframe{flex:1;width:100%;border:0;background:#ededed}",
    // Phones: the panel takes the screen and has its own close button; the round button would cover the send button.
    "@media (max-width:480px){.panel{inset:0;width:auto;height:auto;border-radius:0}.panel:not([hidden])~.fab{display:none}}"
  ].join("");

  var host = document.createElement("hotline-12345-widget");
  var root = host.attachShadow({ mode: "open" });
  // Built node by node: nothing here is parsed as HTML (the title comes from the host page).
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }
  var bar = el("div", { "class": "bar" });
  bar.appendChild(el("span", { "class": "title" }));
  bar.appendChild(el("button", { "class": "close", type: "button", "aria-label": "关闭" }, "×"));
  var shell = el("div", { "class": "panel", id: "panel", role: "dialog", hidden: "" });
  shell.appendChild(bar);
  root.appendChild(el("style", {}, css));
  root.appendChild(shell);
  root.appendChild(el("button", { "class": "fab", type: "button", "aria-expanded": "false", "aria-controls": "panel" }, "12345"));
  var panel = root.querySelector(".panel");
  var fab = root.querySelector(".fab");
  var close = root.querySelector(".close");
  panel.setAttribute("aria-label", title);
  root.querySelector(".title").textContent = title;
  fab.setAttribute("aria-label", "打开" + title);
  var frame = null;

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = origin + "/?embed=1";
      frame.title = "12345 智能助手";
      frame.setAttribute("allow", "clipboard-write");
      panel.appendChild(frame);
    }
    panel.hidden = false;
    unread(false);
    fab.setAttribute("aria-expanded", "true");
    fab.setAttribute("aria-label", "收起" + title);
    frame.focus();
  }
  function unread(on) {
    var badge = fab.querySelector(".badge");
    if (on && !badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      fab.appendChild(badge);
    } else if (!on && badge) {
      fab.removeChild(badge);
    }
    fab.setAttribute("aria-label", (panel.hidden ? "打开" : "收起") + title + (on ? "（有新消息）" : ""));
  }
  function hide() {
    panel.hidden = true;
    fab.setAttribute("aria-expanded", "false");
    fab.setAttribute("aria-label", "打开" + title);
    fab.focus();
  }
  fab.addEventListener("click", function () { if (panel.hidden) open(); else hide(); });
  close.addEventListener("click", hide);
  root.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && !panel.hidden) hide(); });

  // The chat frame keeps its conversation token here when the browser denies a third-party frame
  // its own storage; it is handed back to that frame only (checked by window and origin).
  var STORE_KEY = "hotline12345.widget";
  window.addEventListener("message", function (ev) {
    if (!frame || ev.source !== frame.contentWindow || ev.origin !== origin || !ev.data) return;
    if (ev.data.type === "hotline12345:hello") {
      var saved = null;
      try { saved = localStorage.getItem(STORE_KEY); } catch (e) { /* memory only */ }
      frame.contentWindow.postMessage({ type: "hotline12345:state", state: saved }, origin);
    } else if (ev.data.type === "hotline12345:unread") {
      if (panel.hidden) unread(true);
    } else if (ev.data.type === "hotline12345:save" && typeof ev.data.state === "string") {
      try { localStorage.setItem(STORE_KEY, ev.data.state); } catch (e) { /* memory only */ }
    }
  });

  function attach() { document.body.appendChild(host); }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
