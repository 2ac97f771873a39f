// Sends a list of requests, each with a body of its own, one after the other to another worker
// through a service binding, and times each one inside workerd, so that the benchmark's Node
// process and Miniflare's proxy stay out of the figures (as workers/fetch-driver.js does for one
// request repeated). Clocks in workerd advance across I/O: each time spans the whole request,
// its body sent and its answer read. Answers every status and, when asked, every body.
export default {
  async fetch(request, env) {
    const { target, requests, bodies: keepBodies = true } = await request.json();
    const times = [];
    const statuses = [];
    const bodies = [];
    for (const { url, init } of requests) {
      const started = performance.now();
      const res = await env[target].fetch(url, init);
      const body = await res.text();
      times.push(performance.now() - started);
      statuses.push(res.status);
      bodies.push(keepBodies || res.status >= 300 ? body : "");
    }
    return Response.json({ times, statuses, bodies });
  },
};
