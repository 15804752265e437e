/*
 * receipt_xml - the acuse as an XML document, and back
 *
 * Built node by node with libxml2: every value goes in through
 * xmlNewTextChild(), which escapes "<", "&" and the like, so no value can
 * open or close an element or a CDATA section. Values are normalised
 * first (bz_receipt_normalize), which also removes the control characters
 * XML 1.0 forbids. The schema is contrib/acuse-v1.xsd (installed as
 * $(pkgdatadir)/acuse-v1.xsd); element names are Spanish like the rest of
 * the acuse.
 *
 * Parsing back (bz_receipt_from_xml) refuses a document with a DOCTYPE
 * and never loads anything from the network: an acuse is data, not a
 * program. Failure: -1 with one English line in err.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlversion.h>

#include "buzon/receipt.h"
#include "buzon/xalloc.h"

/* configure probes the callback's type (BZ_XML_ERROR_CONST); a build
 * without that probe (the fuzz targets' own config.h) goes by the
 * header's version: libxml2 2.12 made the error const. */
#ifndef BZ_XML_ERROR_CONST
#if LIBXML_VERSION >= 21200
#define BZ_XML_ERROR_CONST const
#else
#define BZ_XML_ERROR_CONST
#endif
#endif

#define X(s)	((const xmlChar *)(s))

/* add_text - child element with a normalised text value; skipped when NULL */
static void
add_text(xmlNodePtr parent, const char *name, const char *value)
{
	struct bz_buf norm = BZ_BUF_INIT;

	if (value == NULL)
		return;
	bz_receipt_normalize(&norm, value);
	xmlNewTextChild(parent, NULL, X(name), X(bz_buf_str(&norm)));
	bz_buf_free(&norm);
}

/* add_number - child element with an unsigned decimal value */
static void
add_number(xmlNodePtr parent, const char *name, uint64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	xmlNewTextChild(parent, NULL, X(name), X(num));
}

/* add_parts - the parts list: one <parte> per part, its fields in table order */
static void
add_parts(xmlNodePtr parent, const char *name, const struct bz_receipt *r)
{
	xmlNodePtr partes = xmlNewChild(parent, NULL, X(name), NULL), p;

	for (size_t i = 0; i < r->nparts; i++) {
		p = xmlNewChild(partes, NULL, X("parte"), NULL);
		for (size_t k = 0; k < bz_receipt_npart_fields; k++) {
			const struct bz_receipt_part_field *f = &bz_receipt_part_fields[k];

			if (f->number)
				add_number(p, f->name, r->parts[i].size);
			else
				add_text(p, f->name, bz_receipt_part_string(&r->parts[i], f));
		}
	}
}

/* bz_receipt_library_init - libxml2 set-up, once, before any thread */
void
bz_receipt_library_init(void)
{
	LIBXML_TEST_VERSION
	xmlInitParser();
}

/* bz_receipt_xml - render the record as a UTF-8 XML document */
int
bz_receipt_xml(const struct bz_receipt *r, struct bz_buf *out, struct bz_buf *err)
{
	xmlDocPtr doc = xmlNewDoc(X("1.0"));
	xmlNodePtr root, n = NULL;
	xmlNsPtr ns;
	xmlChar *mem = NULL;
	const char *group;
	int size = 0;

	root = xmlNewDocNode(doc, NULL, X("acuse"), NULL);
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, X(BZ_RECEIPT_XMLNS), NULL);
	xmlSetNs(root, ns);
	xmlNewProp(root, X("version"), X(BZ_RECEIPT_VERSION));

	group = NULL;
	for (size_t i = 0; i < bz_receipt_nfields; i++) {
		const struct bz_receipt_field *f = &bz_receipt_fields[i];

		if (f->xml_name == NULL)	/* version: the attribute above */
			continue;
		/* Rows of a group are consecutive: open it at its first. */
		if (f->xml_parent == NULL)
			n = root;
		else if (group == NULL || strcmp(group, f->xml_parent) != 0)
			n = xmlNewChild(root, NULL, X(f->xml_parent), NULL);
		group = f->xml_parent;
		if (f->flags & BZ_RECEIPT_F_PARTS)
			add_parts(n, f->xml_name, r);
		else
			add_text(n, f->xml_name, bz_receipt_field_value(r, f));
	}

	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (mem == NULL) {
		bz_buf_puts(err, "cannot serialise the acuse XML");
		return -1;
	}
	bz_buf_append(out, mem, (size_t)size);
	xmlFree(mem);
	return 0;
}

/* child - first child element with this local name in our namespace */
static xmlNodePtr
child(xmlNodePtr parent, const char *name)
{
	if (parent == NULL)
		return NULL;
	for (xmlNodePtr c = parent->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, X(name)) &&
		    c->ns != NULL && xmlStrEqual(c->ns->href, X(BZ_RECEIPT_XMLNS)))
			return c;
	return NULL;
}

/* get_text - the text of a child element into *field (NULL when absent) */
static void
get_text(xmlNodePtr parent, const char *name, char **field)
{
	xmlNodePtr c = child(parent, name);
	xmlChar *s;

	if (c == NULL) {
		bz_receipt_set(field, NULL);
		return;
	}
	s = xmlNodeGetContent(c);
	bz_receipt_set(field, s ? (const char *)s : "");
	xmlFree(s);
}

/* get_number - an unsigned decimal child; -1 when absent or malformed */
static int
get_number(xmlNodePtr parent, const char *name, uint64_t *v)
{
	xmlNodePtr c = child(parent, name);
	xmlChar *s;
	char *end;
	int rc = -1;

	if (c == NULL || (s = xmlNodeGetContent(c)) == NULL)
		return -1;
	errno = 0;
	if (s[0] >= '0' && s[0] <= '9') {
		*v = strtoull((const char *)s, &end, 10);
		if (errno == 0 && *end == '\0')
			rc = 0;
	}
	xmlFree(s);
	return rc;
}

/* get_parts - every <parte> of partes (may be NULL) into r; -1 malformed */
static int
get_parts(struct bz_receipt *r, xmlNodePtr partes, struct bz_buf *err)
{
	for (xmlNodePtr p = partes ? partes->children : NULL; p; p = p->next) {
		struct bz_receipt_part part;
		uint64_t size = 0;
		int ok;

		if (p->type != XML_ELEMENT_NODE)
			continue;
		memset(&part, 0, sizeof(part));
		ok = xmlStrEqual(p->name, X("parte"));
		for (size_t k = 0; ok && k < bz_receipt_npart_fields; k++) {
			const struct bz_receipt_part_field *f = &bz_receipt_part_fields[k];

			if (f->number)
				ok = get_number(p, f->name, &size) == 0;
			else
				get_text(p, f->name, bz_receipt_part_field_ptr(&part, f));
		}
		if (ok)
			bz_receipt_add_part(r, part.name, part.content_type, size,
			    part.sha256);
		free(part.name);
		free(part.content_type);
		free(part.sha256);
		if (!ok) {
			bz_buf_puts(err, "malformed parte element in the acuse XML");
			return -1;
		}
	}
	return 0;
}

/* read_doc - parse without network, entities or DTD */
static xmlDocPtr
read_doc(const void *xml, size_t len, struct bz_buf *err)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc;
	const xmlError *e;

	if (len > INT32_MAX) {
		bz_buf_puts(err, "the acuse XML is too large");
		xmlFreeParserCtxt(ctxt);
		return NULL;
	}
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "acuse.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		e = xmlCtxtGetLastError(ctxt);
		bz_buf_printf(err, "the acuse XML is not well-formed: line %d: %s",
		    e ? e->line : 0, e && e->message ? e->message : "?");
		/* libxml2 messages end with a newline: keep one line. */
		while (err->len && (err->data[err->len - 1] == '\n'))
			err->data[--err->len] = '\0';
	} else if (doc->intSubset != NULL || doc->extSubset != NULL) {
		bz_buf_puts(err, "the acuse XML carries a DOCTYPE, which an acuse never has");
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/* bz_receipt_from_xml - fill r from an acuse XML */
int
bz_receipt_from_xml(struct bz_receipt *r, const void *xml, size_t len,
    struct bz_buf *err)
{
	xmlDocPtr doc = read_doc(xml, len, err);
	xmlNodePtr root, n;
	xmlChar *version;
	int rc = -1;

	if (doc == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !xmlStrEqual(root->name, X("acuse")) || root->ns == NULL ||
	    !xmlStrEqual(root->ns->href, X(BZ_RECEIPT_XMLNS))) {
		bz_buf_puts(err, "the XML is not an acuse (root element acuse in " BZ_RECEIPT_XMLNS ")");
		goto out;
	}
	version = xmlGetProp(root, X("version"));
	if (version == NULL || !xmlStrEqual(version, X(BZ_RECEIPT_VERSION))) {
		bz_buf_printf(err, "unsupported acuse version %s",
		    version ? (const char *)version : "(none)");
		xmlFree(version);
		goto out;
	}
	bz_receipt_set(&r->version, (const char *)version);
	xmlFree(version);

	for (size_t i = 0; i < bz_receipt_nfields; i++) {
		const struct bz_receipt_field *f = &bz_receipt_fields[i];

		if (f->xml_name == NULL)	/* version: checked above */
			continue;
		n = f->xml_parent == NULL ? root : child(root, f->xml_parent);
		if (f->flags & BZ_RECEIPT_F_PARTS) {
			if (get_parts(r, child(n, f->xml_name), err) != 0)
				goto out;
		} else
			get_text(n, f->xml_name, bz_receipt_field_ptr(r, f));
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

/*
 * schema_error - collect the first schema error as one line
 *
 * libxml2 2.12 passes a const xmlError *, older ones a plain one:
 * configure's check says which (BZ_XML_ERROR_CONST).
 */
static void
schema_error(void *arg, BZ_XML_ERROR_CONST xmlError *e)
{
	struct bz_buf *err = arg;

	if (err->len != 0 || e == NULL)
		return;
	bz_buf_printf(err, "line %d: %s", e->line, e->message ? e->message : "?");
	while (err->len && err->data[err->len - 1] == '\n')
		err->data[--err->len] = '\0';
}

/* bz_receipt_xml_validate - the document against the XSD */
int
bz_receipt_xml_validate(const void *xml, size_t len, const char *schema_path,
    struct bz_buf *err)
{
	struct bz_buf why = BZ_BUF_INIT;
	xmlSchemaParserCtxtPtr pctxt;
	xmlSchemaValidCtxtPtr vctxt;
	xmlSchemaPtr schema;
	xmlDocPtr doc;
	int rc = -1;

	pctxt = xmlSchemaNewParserCtxt(schema_path);
	xmlSchemaSetParserStructuredErrors(pctxt, schema_error, &why);
	schema = xmlSchemaParse(pctxt);
	xmlSchemaFreeParserCtxt(pctxt);
	if (schema == NULL) {
		bz_buf_printf(err, "cannot load the schema %s: %s", schema_path,
		    why.len ? why.data : "unreadable");
		bz_buf_free(&why);
		return -1;
	}
	if ((doc = read_doc(xml, len, err)) != NULL) {
		vctxt = xmlSchemaNewValidCtxt(schema);
		bz_buf_reset(&why);
		xmlSchemaSetValidStructuredErrors(vctxt, schema_error, &why);
		if (xmlSchemaValidateDoc(vctxt, doc) == 0)
			rc = 0;
		else {
			bz_buf_printf(err, "the acuse XML does not match the schema: %s",
			    why.len ? why.data : "invalid");
		}
		xmlSchemaFreeValidCtxt(vctxt);
		xmlFreeDoc(doc);
	}
	xmlSchemaFree(schema);
	bz_buf_free(&why);
	return rc;
}
