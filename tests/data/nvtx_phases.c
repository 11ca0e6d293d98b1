#include <nvtx3/nvToolsExt.h>
#include <time.h>
static void spin(long ns){struct timespec a,b;clock_gettime(CLOCK_MONOTONIC,&a);do{clock_gettime(CLOCK_MONOTONIC,&b);}while((b.tv_sec-a.tv_sec)*1000000000L+(b.tv_nsec-a.tv_nsec)<ns);}
int main(void){
  nvtxDomainHandle_t d = nvtxDomainCreateA("la_test");
  nvtxEventAttributes_t a = {0}; a.version = NVTX_VERSION; a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE; a.messageType = NVTX_MESSAGE_TYPE_ASCII;
  for (int rep = 0; rep < 3; rep++) {
    a.message.ascii = "rep"; nvtxDomainRangePushEx(d, &a);
    a.message.ascii = "prefill"; nvtxDomainRangePushEx(d, &a); spin(2000000); nvtxDomainRangePop(d);
    a.message.ascii = "decode"; nvtxDomainRangePushEx(d, &a);
    for (int s = 0; s < 4; s++) { a.message.ascii = "step"; nvtxDomainRangePushEx(d, &a); spin(500000); nvtxDomainRangePop(d); }
    nvtxDomainRangePop(d);
    nvtxDomainRangePop(d);
  }
  nvtxRangePushA("default_domain"); spin(100000); nvtxRangePop();
  return 0;
}
