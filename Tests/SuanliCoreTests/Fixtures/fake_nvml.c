/* A stand-in for libnvidia-ml.so.1, built by the tests with the system C compiler and loaded
 * through SUANLI_NVML_LIBRARY. Its GPUs draw a constant power, so the total-energy counter grows
 * with the monotonic clock. Defaults come from -D flags; environment variables override them
 * (for tests that run the suanli binary).
 *
 *   FAKE_NVML_BUS_IDS  comma-separated PCI addresses, one GPU each ("0000:3b:00.0,0000:86:00.0")
 *   FAKE_NVML_WATTS    power of GPU 0; GPU i draws WATTS + 50 * i
 *   FAKE_NVML_REASONS  clock-event reason mask (e.g. 0x24)
 *
 * -DFAKE_NVML_NO_HANDLE leaves out nvmlDeviceGetHandleByIndex(_v2) (a missing symbol);
 * -DFAKE_NVML_NO_ENERGY leaves out nvmlDeviceGetTotalEnergyConsumption (a pre-Volta GPU). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FAKE_BUS_IDS
#define FAKE_BUS_IDS "0000:3b:00.0"
#endif
#ifndef FAKE_WATTS
#define FAKE_WATTS 250
#endif
#ifndef FAKE_REASONS
#define FAKE_REASONS 0x1
#endif

typedef int nvmlReturn_t;
struct fake_gpu { int index; unsigned domain, bus, device; };
typedef struct fake_gpu *nvmlDevice_t;

static struct fake_gpu gpus[16];
static int gpu_count;
static double started;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *setting(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

static double watts(const struct fake_gpu *gpu) {
    char fallback[32];
    snprintf(fallback, sizeof fallback, "%d", FAKE_WATTS);
    return atof(setting("FAKE_NVML_WATTS", fallback)) + 50.0 * gpu->index;
}

nvmlReturn_t nvmlInit_v2(void) {
    char ids[512];
    snprintf(ids, sizeof ids, "%s", setting("FAKE_NVML_BUS_IDS", FAKE_BUS_IDS));
    gpu_count = 0;
    for (char *item = strtok(ids, ","); item && gpu_count < 16; item = strtok(NULL, ",")) {
        struct fake_gpu *gpu = &gpus[gpu_count];
        unsigned function = 0;
        if (sscanf(item, "%x:%x:%x.%x", &gpu->domain, &gpu->bus, &gpu->device, &function) != 4) return 2;
        gpu->index = gpu_count++;
    }
    /* Like the real library, a second nvmlInit (another user in the process) keeps the counters. */
    if (started == 0) started = now();
    return 0;
}

nvmlReturn_t nvmlShutdown(void) { return 0; }

const char *nvmlErrorString(nvmlReturn_t status) {
    switch (status) {
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *count) {
    *count = (unsigned)gpu_count;
    return 0;
}

#ifndef FAKE_NVML_NO_HANDLE
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned index, nvmlDevice_t *device) {
    if (index >= (unsigned)gpu_count) return 2;
    *device = &gpus[index];
    return 0;
}
#endif

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned length) {
    snprintf(name, length, "Fake GPU %d", device->index);
    return 0;
}

/* nvmlPciInfo_t as in nvml.h (v3). */
struct pci_info {
    char busIdLegacy[16];
    unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
};

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, struct pci_info *info) {
    memset(info, 0, sizeof *info);
    info->domain = device->domain;
    info->bus = device->bus;
    info->device = device->device;
    snprintf(info->busId, sizeof info->busId, "%08X:%02X:%02X.0", device->domain, device->bus, device->device);
    snprintf(info->busIdLegacy, sizeof info->busIdLegacy, "%04X:%02X:%02X.0", device->domain, device->bus, device->device);
    return 0;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned length) {
    snprintf(uuid, length, "GPU-%08X-1111-2222-3333-444444444444", device->index + 0xabc0);
    return 0;
}

#ifndef FAKE_NVML_NO_ENERGY
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *millijoules) {
    /* Some energy already counted since the driver loaded, then the constant draw. */
    *millijoules = 5000000ULL + (unsigned long long)((now() - started) * watts(device) * 1000.0);
    return 0;
}
#endif

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned *milliwatts) {
    *milliwatts = (unsigned)(watts(device) * 1000.0);
    return 0;
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned *mhz) {
    (void)device;
    if (type == 1) { *mhz = 1980; return 0; }
    if (type == 2) { *mhz = 2619; return 0; }
    return 3;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned *celsius) {
    if (sensor != 0) return 3;
    *celsius = 61 + (unsigned)device->index;
    return 0;
}

nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *reasons) {
    (void)device;
    char fallback[32];
    snprintf(fallback, sizeof fallback, "%#x", FAKE_REASONS);
    *reasons = strtoull(setting("FAKE_NVML_REASONS", fallback), NULL, 0);
    return 0;
}
