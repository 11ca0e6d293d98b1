-- CUDA graphs, as nsys writes them (see README "CUDA graphs"): one eager kernel, then a decode range with two
-- steps, each replaying graph 7 once through cudaGraphLaunch. The graph executions are added by the tests:
-- graph level (CUPTI_ACTIVITY_KIND_GRAPH_TRACE, one row per replay, no kernels inside) or node level (the
-- graph's kernels in CUPTI_ACTIVITY_KIND_KERNEL with graphNodeId and the launch's correlationId).
-- Process 100, thread T1 = (100<<24)|100.
CREATE TABLE StringIds (id INTEGER PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO StringIds VALUES
  (1, 'cudaGraphLaunch_v10000'), (2, 'decode'), (3, 'step_0'), (4, 'step_1'), (5, 'gemv_kernel'),
  (6, 'cudaLaunchKernel_v7000'), (7, 'rmsnorm_kernel');
CREATE TABLE TARGET_INFO_GPU (id INTEGER, cuDevice INTEGER, name TEXT, memoryBandwidth INTEGER, smCount INTEGER,
  totalMemory INTEGER, computeMajor INTEGER, computeMinor INTEGER);
INSERT INTO TARGET_INFO_GPU VALUES (0, 0, 'Test GPU', 1000000000000, 100, 80000000000, 9, 0);
CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER, contextId INTEGER,
  streamId INTEGER, correlationId INTEGER, globalPid INTEGER, demangledName INTEGER, shortName INTEGER,
  gridX INTEGER, gridY INTEGER, gridZ INTEGER, blockX INTEGER, blockY INTEGER, blockZ INTEGER, graphNodeId INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES
  (100, 200, 0, 1, 7, 1, 100 << 24, 7, 7, 1, 1, 1, 128, 1, 1, NULL);  -- eager kernel, launched by c1, outside decode
CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL, eventClass INTEGER NOT NULL,
  globalTid INTEGER, correlationId INTEGER, nameId INTEGER NOT NULL, returnValue INTEGER NOT NULL, callchainId INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES
  (50, 60, 0, (100 << 24) | 100, 1, 6, 0, NULL),      -- c1 cudaLaunchKernel
  (1010, 1020, 0, (100 << 24) | 100, 2, 1, 0, NULL),  -- c2 cudaGraphLaunch, in step_0
  (2010, 2020, 0, (100 << 24) | 100, 3, 1, 0, NULL);  -- c3 cudaGraphLaunch, in step_1
CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL, rangeId INTEGER, category INTEGER,
  color INTEGER, text TEXT, globalTid INTEGER, endGlobalTid INTEGER, textId INTEGER, domainId INTEGER);
INSERT INTO NVTX_EVENTS VALUES
  (1000, 3000, 59, NULL, NULL, NULL, NULL, (100 << 24) | 100, NULL, 2, 0),  -- decode
  (1000, 2000, 59, NULL, NULL, NULL, NULL, (100 << 24) | 100, NULL, 3, 0),  -- step_0
  (2000, 3000, 59, NULL, NULL, NULL, NULL, (100 << 24) | 100, NULL, 4, 0);  -- step_1
