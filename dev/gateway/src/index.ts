export default { fetch: () => new Response("") } satisfies ExportedHandler<Env>;
