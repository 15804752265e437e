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

#include "buzon/receipt.h"
#include "buzon/xalloc.h"

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
	xmlNodePtr root, n, partes, p;
	xmlNsPtr ns;
	xmlChar *mem = NULL;
	int size = 0;

	root = xmlNewDocNode(doc, NULL, X("acuse"), NULL);
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, X(BZ_RECEIPT_XMLNS), NULL);
	xmlSetNs(root, ns);
	xmlNewProp(root, X("version"), X(BZ_RECEIPT_VERSION));

	add_text(root, "folio", r->folio);
	add_text(root, "evento", r->event);
	n = xmlNewChild(root, NULL, X("emisor"), NULL);
	add_text(n, "rfc", r->rfc);
	add_text(n, "nombre", r->name);
	add_text(n, "curp", r->curp);
	add_text(n, "rfcRepresentante", r->rfc_representante);
	add_text(n, "curpRepresentante", r->curp_representante);
	add_text(n, "noCertificado", r->no_certificado);
	add_text(n, "certificadoSha256", r->cert_sha256);
	n = xmlNewChild(root, NULL, X("validacion"), NULL);
	add_text(n, "integridad", r->integrity);
	add_text(n, "confianza", r->trust);
	add_text(n, "identidad", r->identity);
	add_text(n, "dictamen", r->verdict);
	n = xmlNewChild(root, NULL, X("mensaje"), NULL);
	add_text(n, "messageId", r->message_id);
	add_text(n, "asunto", r->subject);
	add_text(n, "sha256", r->message_sha256);
	partes = xmlNewChild(n, NULL, X("partes"), NULL);
	for (size_t i = 0; i < r->nparts; i++) {
		p = xmlNewChild(partes, NULL, X("parte"), NULL);
		add_text(p, "nombre", r->parts[i].name);
		add_text(p, "tipo", r->parts[i].content_type);
		add_number(p, "tamano", r->parts[i].size);
		add_text(p, "sha256", r->parts[i].sha256);
	}
	n = xmlNewChild(root, NULL, X("llegada"), NULL);
	add_text(n, "utc", r->arrival_utc);
	add_text(n, "local", r->arrival_local);
	n = xmlNewChild(root, NULL, X("recepcionLegal"), NULL);
	add_text(n, "utc", r->legal_utc);
	add_text(n, "local", r->legal_local);
	add_text(n, "regla", r->legal_rule);
	add_text(n, "baseLegal", r->legal_basis);
	add_text(n, "primeraHora", r->first_hour);
	add_text(root, "versionCalendario", r->calendar_version);
	add_text(root, "noCertificadoInstitucion", r->institution_no_certificado);
	add_text(root, "sello", r->sello);

	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (mem == NULL) {
		bz_buf_reset(err);
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

/* read_doc - parse without network, entities or DTD */
static xmlDocPtr
read_doc(const void *xml, size_t len, struct bz_buf *err)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc;
	const xmlError *e;

	bz_buf_reset(err);
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
	xmlNodePtr root, n, partes;
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

	get_text(root, "folio", &r->folio);
	get_text(root, "evento", &r->event);
	n = child(root, "emisor");
	get_text(n, "rfc", &r->rfc);
	get_text(n, "nombre", &r->name);
	get_text(n, "curp", &r->curp);
	get_text(n, "rfcRepresentante", &r->rfc_representante);
	get_text(n, "curpRepresentante", &r->curp_representante);
	get_text(n, "noCertificado", &r->no_certificado);
	get_text(n, "certificadoSha256", &r->cert_sha256);
	n = child(root, "validacion");
	get_text(n, "integridad", &r->integrity);
	get_text(n, "confianza", &r->trust);
	get_text(n, "identidad", &r->identity);
	get_text(n, "dictamen", &r->verdict);
	n = child(root, "mensaje");
	get_text(n, "messageId", &r->message_id);
	get_text(n, "asunto", &r->subject);
	get_text(n, "sha256", &r->message_sha256);
	partes = child(n, "partes");
	for (xmlNodePtr p = partes ? partes->children : NULL; p; p = p->next) {
		char *name = NULL, *type = NULL, *sha = NULL;
		uint64_t size = 0;

		if (p->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrEqual(p->name, X("parte")) || get_number(p, "tamano", &size) != 0) {
			bz_buf_puts(err, "malformed parte element in the acuse XML");
			goto out;
		}
		get_text(p, "nombre", &name);
		get_text(p, "tipo", &type);
		get_text(p, "sha256", &sha);
		bz_receipt_add_part(r, name, type, size, sha);
		free(name);
		free(type);
		free(sha);
	}
	n = child(root, "llegada");
	get_text(n, "utc", &r->arrival_utc);
	get_text(n, "local", &r->arrival_local);
	n = child(root, "recepcionLegal");
	get_text(n, "utc", &r->legal_utc);
	get_text(n, "local", &r->legal_local);
	get_text(n, "regla", &r->legal_rule);
	get_text(n, "baseLegal", &r->legal_basis);
	get_text(n, "primeraHora", &r->first_hour);
	get_text(root, "versionCalendario", &r->calendar_version);
	get_text(root, "noCertificadoInstitucion", &r->institution_no_certificado);
	get_text(root, "sello", &r->sello);
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
		bz_buf_reset(err);
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
			bz_buf_reset(err);
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
