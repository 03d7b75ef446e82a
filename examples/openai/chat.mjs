// Chat completions through the Verinfer gateway with the official OpenAI client library: one
// answer whole, the same one streamed (timing each chunk as it arrives), a raw completion, and a
// refused request. Prints one JSON line.
// Usage: node chat.mjs [baseURL] [model] [maxTokens] [question]
//        (defaults: the devnet gateway http://127.0.0.1:8080/v1, verinfer-chat, 64,
//        "What is Verinfer?")
import OpenAI from "openai";

const baseURL = process.argv[2] ?? "http://127.0.0.1:8080/v1";
const model = process.argv[3] ?? "verinfer-chat";
const maxTokens = Number(process.argv[4] ?? 64);
const question = process.argv[5] ?? "What is Verinfer?";
// The gateway pays from its own wallet: no API key is needed, but the client wants one.
const client = new OpenAI({ baseURL, apiKey: "verinfer-gateway", maxRetries: 0 });
const messages = [
  // the system message verinfer-chat was trained with (runtime/packs/verinfer-chat/README.md)
  { role: "system", content: "You are Verinfer's assistant." },
  { role: "user", content: question },
];
const ask = { model, messages, max_tokens: maxTokens, temperature: 0, seed: 7 };

let t = performance.now();
const whole = await client.chat.completions.create(ask);
const wholeMs = performance.now() - t;

// Streamed twice: the first stream through a fresh gateway also warms its code paths.
async function streamOnce() {
  const t = performance.now();
  const stream = await client.chat.completions.create({
    ...ask,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let firstMs = null;
  let lastMs = null;
  let chunks = 0;
  let finish = null;
  let usage = null;
  let verinfer = null;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content ?? "";
    if (delta) {
      const at = performance.now() - t;
      if (firstMs === null) firstMs = at;
      lastMs = at;
      chunks++;
      text += delta;
    }
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
    verinfer = chunk.verinfer ?? verinfer;
  }
  const totalMs = performance.now() - t;
  return {
    text,
    chunks,
    finish,
    usage,
    verinfer,
    ttftMs: Math.round(firstMs),
    lastChunkMs: Math.round(lastMs),
    totalMs: Math.round(totalMs),
    tokensPerSecond: Math.round((usage.completion_tokens / totalMs) * 1000),
  };
}
const cold = await streamOnce();
const warm = await streamOnce();

const completion = await client.completions.create({
  model,
  prompt: "The marketplace",
  max_tokens: 8,
  temperature: 0,
  seed: 3,
});

let refused = null;
try {
  await client.chat.completions.create({ model, messages: [] });
} catch (e) {
  refused = { status: e.status, code: e.code ?? e.error?.code, param: e.param ?? null };
}

console.log(
  JSON.stringify({
    whole: {
      text: whole.choices[0].message.content,
      finish: whole.choices[0].finish_reason,
      usage: whole.usage,
      ms: Math.round(wholeMs),
    },
    coldStream: cold,
    stream: warm,
    completion: {
      text: completion.choices[0].text,
      finish: completion.choices[0].finish_reason,
      usage: completion.usage,
    },
    refused,
  }),
);
