import express from 'express';

/** The yardstick for single-point ingest: Express answering {ok:true} to a JSON POST. */
const app = express();
app.post('/', express.json(), (_req, res) => {
  res.status(201).json({ ok: true });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
