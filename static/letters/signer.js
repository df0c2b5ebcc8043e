// The signer page's signature pad: drawing on the canvas fills the hidden field
// "signature_drawn" with a PNG data URL when the form is sent (letters/views_signer.py).
(function () {
  "use strict";
  var canvas = document.getElementById("signature-canvas");
  if (!canvas) { return; }
  var field = document.querySelector("input[name=signature_drawn]");
  var context = canvas.getContext("2d");
  var drawing = false;
  var drawn = false;
  context.lineWidth = 2.5;
  context.lineCap = "round";
  context.strokeStyle = "#1a237e";

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height)
    };
  }
  canvas.addEventListener("pointerdown", function (event) {
    drawing = true;
    var p = point(event);
    context.beginPath();
    context.moveTo(p.x, p.y);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var p = point(event);
    context.lineTo(p.x, p.y);
    context.stroke();
    drawn = true;
  });
  function stop() {
    drawing = false;
    if (drawn && field) { field.value = canvas.toDataURL("image/png"); }
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointerleave", stop);
  document.getElementById("signature-clear").addEventListener("click", function () {
    context.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    if (field) { field.value = ""; }
  });
}());
