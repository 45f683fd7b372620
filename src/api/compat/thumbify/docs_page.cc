// GET /docs, where Thumbify's FastAPI served Swagger UI. Swagger UI's assets are not packaged
// by Debian 12 and FastAPI loaded them from a CDN, so this page is self-contained: it reads
// /openapi.json (same origin) and lists every operation, with nothing fetched from elsewhere.
#include "api/compat/thumbify/thumbify_routes.h"

namespace tessera::api::compat::thumbify {
namespace {

constexpr std::string_view kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tessera API</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; }
h2 { font-size: 1.1em; margin-top: 1.5em; border-bottom: 1px solid #ccc; }
.op { margin: .3em 0; }
.method { display: inline-block; width: 5em; font-weight: bold; text-transform: uppercase; }
.get { color: #1565c0; } .post { color: #2e7d32; } .delete { color: #c62828; }
.path { font-family: monospace; }
.summary { color: #555; margin-left: 1em; }
</style>
</head>
<body>
<h1 id="title">tessera API</h1>
<p>The OpenAPI document: <a href="/openapi.json">/openapi.json</a></p>
<div id="ops">Loading&hellip;</div>
<script>
fetch('/openapi.json').then(function (r) { return r.json(); }).then(function (doc) {
  document.getElementById('title').textContent = (doc.info && doc.info.title) || 'API';
  var groups = {};
  Object.keys(doc.paths || {}).sort().forEach(function (path) {
    Object.keys(doc.paths[path]).forEach(function (method) {
      var op = doc.paths[path][method];
      var tag = (op.tags && op.tags[0]) || 'other';
      (groups[tag] = groups[tag] || []).push({method: method, path: path, op: op});
    });
  });
  var root = document.getElementById('ops');
  root.textContent = '';
  Object.keys(groups).sort().forEach(function (tag) {
    var h = document.createElement('h2');
    h.textContent = tag;
    root.appendChild(h);
    groups[tag].forEach(function (e) {
      var div = document.createElement('div');
      div.className = 'op';
      var m = document.createElement('span');
      m.className = 'method ' + e.method;
      m.textContent = e.method;
      var p = document.createElement('span');
      p.className = 'path';
      p.textContent = e.path;
      var s = document.createElement('span');
      s.className = 'summary';
      s.textContent = e.op.summary || '';
      div.appendChild(m); div.appendChild(p); div.appendChild(s);
      root.appendChild(div);
    });
  });
}).catch(function (err) {
  document.getElementById('ops').textContent = 'Could not read /openapi.json: ' + err;
});
</script>
</body>
</html>
)html";

}  // namespace

http::HttpResponse DocsPage() {
  return http::HttpResponse::Bytes(200, "text/html; charset=utf-8",
                                   std::vector<uint8_t>(kPage.begin(), kPage.end()));
}

}  // namespace tessera::api::compat::thumbify
