/**
 * The {@code gpu} plugin: hands this machine's GPUs to tasks, whole and one task per device, in the
 * order tasks ask ({@link dev.sluice.plugins.gpu.GpuGate}); tells each task which devices are its own
 * through {@code CUDA_VISIBLE_DEVICES} ({@link dev.sluice.plugins.gpu.GpuWrapper}); and checks while
 * tasks run that their devices are healthy, taking a lost device out of the run
 * ({@link dev.sluice.plugins.gpu.GpuHealthMonitor}). The three share one
 * {@link dev.sluice.plugins.gpu.DevicePool} per host. See docs/plugins/gpu.md.
 */
package dev.sluice.plugins.gpu;
