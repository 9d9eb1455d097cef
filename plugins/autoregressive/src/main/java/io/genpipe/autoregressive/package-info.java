/**
 * The autoregressive family, p(x) = &Pi; p(x<sub>t</sub> | x<sub>&lt;t</sub>):
 *
 * <pre>
 * char-lstm  tokens int64[batch,seq], h float32[layers,batch,hidden], c float32[layers,batch,hidden]
 *              &rarr; logits float32[batch,seq,97], h_out, c_out
 * pixelcnn   x float32[batch,1,28,28] (0/1), label int64[batch] (10: no class)  &rarr;  logits float32[batch,1,28,28]
 * </pre>
 *
 * The LSTM's state is an explicit input and output, so generation feeds one character and the
 * previous state per step; texts travel as the row tag {@code text}. PixelCNN samples pixel by
 * pixel in raster order and scores an image's exact likelihood in one pass. Bring your own models
 * with {@code model: file.onnx}; their ports are checked before anything runs.
 */
package io.genpipe.autoregressive;
