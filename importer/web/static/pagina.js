// tf-import web: the few things the page does in the browser. Everything else is plain HTML forms.
"use strict";
(function () {
  // A real emission asks first (the text says how many comprobantes and which account).
  document.querySelectorAll("form[data-confirmar]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.dataset.confirmar)) ev.preventDefault();
    });
  });

  // The planilla: refuse an oversized file before sending it; accept a file dropped on the zone.
  var input = document.querySelector("input[type=file]");
  var zona = document.querySelector("[data-zona]");
  var error = document.querySelector("[data-error-archivo]");
  function tamanoValido() {
    var limite = Number(input.dataset.limite || 0);
    var archivo = input.files && input.files[0];
    var demasiado = archivo && limite && archivo.size > limite;
    error.hidden = !demasiado;
    error.textContent = demasiado
      ? "El archivo supera el máximo de " + Math.floor(limite / 1048576) + " MB: divida la planilla en partes más chicas."
      : "";
    return !demasiado;
  }
  if (input && zona && error) {
    input.addEventListener("change", tamanoValido);
    input.form.addEventListener("submit", function (ev) {
      if (!tamanoValido()) ev.preventDefault();
    });
    zona.addEventListener("dragover", function (ev) {
      ev.preventDefault();
      zona.classList.add("encima");
    });
    zona.addEventListener("dragleave", function () {
      zona.classList.remove("encima");
    });
    zona.addEventListener("drop", function (ev) {
      ev.preventDefault();
      zona.classList.remove("encima");
      if (ev.dataTransfer && ev.dataTransfer.files.length && !input.disabled) {
        input.files = ev.dataTransfer.files;
        tamanoValido();
      }
    });
  }

  // The errors table: filter its rows by any text (row number, column, message).
  var filtro = document.querySelector("[data-filtro]");
  if (filtro) {
    var filas = Array.prototype.slice.call(document.querySelectorAll("table[data-tabla=errores] tbody tr"));
    var cuenta = document.querySelector("[data-filtro-cuenta]");
    filtro.addEventListener("input", function () {
      var q = filtro.value.trim().toLowerCase();
      var visibles = 0;
      filas.forEach(function (tr) {
        var ve = !q || tr.textContent.toLowerCase().indexOf(q) >= 0;
        tr.hidden = !ve;
        if (ve) visibles += 1;
      });
      cuenta.textContent = q ? visibles + " de " + filas.length + " errores" : "";
    });
  }

  // Progress of the job running in the server, pushed as server-sent events.
  var progreso = document.querySelector("[data-progreso]");
  if (progreso && progreso.dataset.terminado === "no" && window.EventSource) {
    var barra = progreso.querySelector("[data-barra]");
    var mensajes = progreso.querySelector("[data-mensajes]");
    var fuente = new EventSource("/eventos");
    fuente.onmessage = function (ev) {
      var d = JSON.parse(ev.data);
      if (d.terminado === "si") {
        fuente.close();
        window.location.reload(); // the page, drawn by the server, shows the results
        return;
      }
      ["emitidos", "rechazados", "invalidos", "pendientes"].forEach(function (k) {
        progreso.setAttribute("data-" + k, d[k]);
      });
      progreso.setAttribute("data-en-duda", d.en_duda);
      progreso.querySelectorAll("[data-cuenta]").forEach(function (el) {
        var v = d[el.dataset.cuenta];
        el.textContent = v === "" || v === undefined || v === null ? "—" : v;
      });
      var porCuenta = progreso.querySelector("[data-por-cuenta]");
      porCuenta.hidden = !d.por_cuenta.length;
      porCuenta.tBodies[0].replaceChildren.apply(
        porCuenta.tBodies[0],
        d.por_cuenta.map(function (fila) {
          var tr = document.createElement("tr");
          fila.forEach(function (valor) {
            var td = document.createElement("td");
            td.textContent = valor;
            tr.appendChild(td);
          });
          return tr;
        })
      );
      barra.max = d.total || 1;
      barra.value = d.hechos;
      mensajes.replaceChildren.apply(
        mensajes,
        d.mensajes.map(function (linea) {
          var li = document.createElement("li");
          li.textContent = linea;
          return li;
        })
      );
    };
  }
})();
