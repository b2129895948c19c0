/// The shared harness (subprocesses, workloads, HTTP, the exporter process, scrapes), for every
/// file of this target: re-exported here so the tests need no import of their own.
@_exported import TestSupport
