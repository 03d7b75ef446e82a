// Embeddings through the Verinfer gateway with the official OpenAI client library.
// Usage: node embed.mjs [baseURL]   (default: the devnet gateway, http://127.0.0.1:8080/v1)
import OpenAI from "openai";

const baseURL = process.argv[2] ?? "http://127.0.0.1:8080/v1";
// The gateway pays from its own wallet: no API key is needed, but the client wants one.
const client = new OpenAI({ baseURL, apiKey: "verinfer-gateway" });

const response = await client.embeddings.create({
  model: "minilm-embed",
  input: ["A man is playing a guitar.", "Someone is playing an instrument."],
});
const [a, b] = response.data.map((d) => d.embedding);
const cosine = a.reduce((s, x, i) => s + x * b[i], 0);
console.log(
  JSON.stringify({
    vectors: response.data.length,
    dimensions: a.length,
    cosine: Number(cosine.toFixed(4)),
    usage: response.usage,
  }),
);
