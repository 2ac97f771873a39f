// Sends requests to another worker through a service binding and times each one inside workerd,
// so that the benchmark's Node process and Miniflare's proxy (about 15 ms a request) stay out of
// the figures. Clocks in workerd advance across I/O: each time spans the whole request.
export default {
  async fetch(request, env) {
    const { target, url, init, count } = await request.json();
    const times = [];
    let status = 0;
    let body = "";
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const res = await env[target].fetch(url, init);
      body = await res.text();
      times.push(performance.now() - started);
      status = res.status;
    }
    return Response.json({ times, status, body });
  },
};
