/*
 * json_write.c - see json_write.h.
 */
#include "json_write.h"

#include <stdlib.h>

int cs_json_write(FILE *out, cJSON *root)
{
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL)
        return -1;
    int rc = fputs(text, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
    free(text);
    return rc;
}
