/* Hanweb-style column list loader: POSTs the column's form fields to dataproxy.jsp page by
   page and writes the <record> CDATA items into the container. */
function jpage(containerId, cfg) {
  var box = document.getElementById(containerId);
  function load(start) {
    var end = start + cfg.perPage - 1;
    var url = cfg.proxyUrl + "?startrecord=" + start + "&endrecord=" + end + "&perpage=" + cfg.perPage;
    fetch(url, {method: "POST", body: new URLSearchParams(cfg.ajaxParam)})
      .then(function (r) { return r.text(); })
      .then(function (text) {
        var xml = new DOMParser().parseFromString(text, "text/xml");
        var records = xml.getElementsByTagName("record");
        for (var i = 0; i < records.length; i++) { box.insertAdjacentHTML("beforeend", records[i].textContent); }
        var total = parseInt(xml.getElementsByTagName("totalrecord")[0].textContent, 10);
        if (end < total) { load(end + 1); }
      });
  }
  load(1);
}
