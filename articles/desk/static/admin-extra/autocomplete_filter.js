'use strict';
// The article list's provider and topic filters: picking a name in the search-as-you-type
// box (the admin's own autocomplete) reloads the list filtered on it; clearing it removes
// the filter. Other filters and the search stay as they were; the list restarts at page 1.
{
    const $ = django.jQuery;
    $(function() {
        $('select.autocomplete-filter-select').on('change', function() {
            const url = new URL(window.location.href);
            const param = this.dataset.queryParam;
            if (this.value) {
                url.searchParams.set(param, this.value);
            } else {
                url.searchParams.delete(param);
            }
            url.searchParams.delete('p');
            window.location.assign(url.toString());
        });
    });
}
