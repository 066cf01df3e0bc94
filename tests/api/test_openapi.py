"""/api/openapi.json and /api/docs: the API's routes only, typed models, 400 (not 422), auth declared."""
import re

import httpx


async def test_schema_lists_the_api_only_with_the_error_contract(client: httpx.AsyncClient) -> None:
    response = await client.get('/api/openapi.json')
    assert response.status_code == 200
    schema = response.json()
    paths = schema['paths']
    assert {'/api/ctp-machines', '/api/ctp-machines/{machine_id}/stats', '/api/ctp-problem-logs',
            '/api/ctp-problem-logs/{log_id}', '/api/ctp-notifications', '/api/ctp-notifications/read-all',
            '/api/ctp-notifications/{notification_id}/read'} <= set(paths)
    assert all(path.startswith('/api/') for path in paths)  # no NiceGUI pages or internals
    operations = [op for methods in paths.values() for op in methods.values()]
    assert all('422' not in op['responses'] and '400' in op['responses'] for op in operations)
    assert 'HTTPValidationError' not in schema['components']['schemas']
    listing = paths['/api/ctp-problem-logs']['get']
    assert listing['responses']['200']['content']['application/json']['schema'] == {
        '$ref': '#/components/schemas/ProblemLogPage'}
    assert listing['security'] == [{'bearerToken': []}, {'sessionCookie': []}]
    assert {p['name'] for p in listing['parameters']} >= {'machine_id', 'status', 'category', 'technician_type',
                                                          'from', 'to', 'q', 'sort', 'limit', 'offset', 'cursor'}


async def test_report_accepts_json_and_multipart_with_photos(client: httpx.AsyncClient) -> None:
    schema = (await client.get('/api/openapi.json')).json()
    body = schema['paths']['/api/ctp-problem-logs']['post']['requestBody']['content']
    assert set(body) == {'application/json', 'multipart/form-data'}
    components = schema['components']['schemas']
    assert components['ProblemLogCreate']['required'] == ['machine_id', 'problem_description']
    assert components['ProblemLogCreate']['additionalProperties'] is False
    assert components['ProblemLogCreateForm']['properties']['photo']['items']['format'] == 'binary'


async def test_interactive_docs(client: httpx.AsyncClient) -> None:
    response = await client.get('/api/docs')
    assert response.status_code == 200 and '/api/openapi.json' in response.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets and all(url.startswith('/api/docs/assets/') for url in assets), assets  # nothing from a CDN
    for url in assets:
        served = await client.get(url)
        assert served.status_code == 200 and len(served.content) > 100, url
    bundle = (await client.get('/api/docs/assets/swagger-ui-bundle.js')).text
    assert re.search(r'"5\.\d+\.\d+"', bundle)  # Swagger UI 5 renders OpenAPI 3.1 (4.x cannot)
    assert (await client.get('/api/docs/assets/..%2f..%2fconsts.py')).status_code == 404
    assert (await client.get('/api/docs/assets/redoc.standalone.js')).status_code == 404  # only the listed files


async def test_the_docs_tell_integrators_about_the_request_header(client: httpx.AsyncClient) -> None:
    schema = (await client.get('/api/openapi.json')).json()
    assert 'X-CTP-Request: 1' in schema['info']['description']
    assert 'X-CTP-Request: 1' in schema['components']['securitySchemes']['sessionCookie']['description']
    assert schema['components']['securitySchemes']['sessionCookie']['name'] == 'session'
    forbidden = schema['paths']['/api/ctp-problem-logs']['post']['responses']['403']['description']
    assert 'X-CTP-Request' in forbidden
