/*
 * moat.h - the whole public API of Moat in one include.
 */
#ifndef MOAT_MOAT_H
#define MOAT_MOAT_H

#include <moat/app.h>
#include <moat/buf.h>
#include <moat/db.h>
#include <moat/log.h>
#include <moat/nelem.h>
#include <moat/request.h>
#include <moat/response.h>
#include <moat/session.h>
#include <moat/template.h>
#include <moat/validate.h>

#endif
