/**
 * The transformer family: a small decoder-only GPT (pre-LayerNorm, multi-head self-attention,
 * sinusoidal positions) over the 97-symbol character vocabulary, shipped as two graphs with the
 * same weights:
 *
 * <pre>
 * gpt-prefill  input_ids int64[batch,seq], attention_mask int64[batch,seq]
 *                &rarr; logits float32[batch,seq,97], hidden float32[batch,seq,D], present_key_i / present_value_i float32[batch,H,seq,Dh]
 * gpt-decode   input_ids int64[batch,1], attention_mask int64[batch,past+1], past_key_i / past_value_i float32[batch,H,past,Dh]
 *                &rarr; logits float32[batch,1,97], present_key_i / present_value_i float32[batch,H,past+1,Dh]
 * </pre>
 *
 * Prompts of different lengths decode together, left-padded with mask 0; a token's position is the
 * number of real tokens before it. The KV cache stays in native memory between steps: each step's
 * present tensors are the next step's past, never copied through Java arrays.
 */
package io.genpipe.transformer;
