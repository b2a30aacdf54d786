// Header-only: the module exists to import <sys/epoll.h>.
#include "CEpoll.h"
