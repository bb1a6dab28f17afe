// IpcKit.Worker — the child process of `ipckit`. It is deliberately thin: read a configure message on stdin, connect
// the data endpoint, say ready on stdout, play its role until end of stream, report, exit. It exits on its own as soon
// as stdin closes, which happens when the coordinator exits for any reason, kill -9 included: no run leaves it behind.
// Diagnostics go to stderr; stdout carries only control frames (docs/protocol.md).
using IpcKit.Worker;

return await WorkerMain.RunAsync(args);
