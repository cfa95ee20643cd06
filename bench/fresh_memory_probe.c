/* Cost of fresh memory on this VM: mmap MB, optionally MADV_HUGEPAGE, then touch every 4 KiB
   (mode 0) or MADV_POPULATE_WRITE (mode 1), REPEATS times (munmap in between), printing CPU and faults.
   usage: gcc -O2 -o probe fresh_memory_probe.c && ./probe MB HUGE MODE REPEATS (docs/performance.md, Ingest, session 9) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  size_t mb=atol(argv[1]); int huge=atoi(argv[2]); int mode=argc>3?atoi(argv[3]):0; int reps=argc>4?atoi(argv[4]):1;
  size_t n=mb<<20;
  for(int r=0;r<reps;r++){
  struct rusage a,b; getrusage(RUSAGE_SELF,&a); double t0=now();
  char*p=mmap(0,n+(2<<20),PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0);
  char*q=(char*)(((size_t)p+(2<<20)-1)&~((size_t)(2<<20)-1));
  if(huge) madvise(q,n,MADV_HUGEPAGE);
  if(mode==1){ if(madvise(q,n,MADV_POPULATE_WRITE)) perror("populate"); }
  else for(size_t i=0;i<n;i+=4096) q[i]=1;
  double t1=now(); getrusage(RUSAGE_SELF,&b);
  printf("%zu MB huge=%d mode=%d: wall %.3f user %.3f sys %.3f minflt %ld\n",mb,huge,mode,t1-t0,
   (b.ru_utime.tv_sec-a.ru_utime.tv_sec)+(b.ru_utime.tv_usec-a.ru_utime.tv_usec)*1e-6,
   (b.ru_stime.tv_sec-a.ru_stime.tv_sec)+(b.ru_stime.tv_usec-a.ru_stime.tv_usec)*1e-6, b.ru_minflt-a.ru_minflt);
  if(mode!=2) munmap(p,n+(2<<20));
  }
  return 0;}
