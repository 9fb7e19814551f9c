// Preloaded into a process under test (node --expose-gc -r this): on the IPC message 'memory' it forces a
// full GC and answers with heap used and RSS. Plain JavaScript, so it loads beside the compiled service.
'use strict';
if (process.send) {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    if (global.gc) {
      global.gc();
      global.gc();
    }
    const { heapUsed, rss } = process.memoryUsage();
    process.send({ memory: { heapUsed, rss, gc: Boolean(global.gc) } });
  });
  // The IPC channel must not keep a process alive that would otherwise exit.
  process.channel && process.channel.unref();
}
