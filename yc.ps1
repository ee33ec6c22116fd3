# One entry point on Windows (Linux: ./yc).
#   .\yc.ps1 run  [ARGS...]   set up if needed, then start YiChuang
#   .\yc.ps1 test [ARGS...]   set up if needed, then run the tests
#   .\yc.ps1 setup            only set up (.venv with the project and its dev tools)
#   .\yc.ps1 yichuang ARGS    run the yichuang command inside the project's .venv
# Needs Python 3.11+ (python.org installer, "py" launcher). The PostgreSQL tests skip
# unless a server is reachable (see README).
param([string]$Command = "run", [Parameter(ValueFromRemainingArguments = $true)]$Rest)
$ErrorActionPreference = "Stop"
Set-Location -Path $PSScriptRoot
$venv = Join-Path $PSScriptRoot ".venv"
$py = Join-Path $venv "Scripts\python.exe"

function Setup {
    if (-not (Test-Path $py)) {
        & py -3 -c "import sys; sys.exit(sys.version_info < (3, 11))"
        if ($LASTEXITCODE -ne 0) { throw "Python 3.11 or newer is needed (python.org)" }
        & py -3 -m venv $venv
    }
    $stampFile = Join-Path $venv ".yc-stamp"
    $want = (Get-FileHash pyproject.toml -Algorithm SHA256).Hash.Substring(0, 16).ToLower()
    $have = if (Test-Path $stampFile) { Get-Content $stampFile } else { "" }
    if ($have -ne $want) {
        & $py -m pip install -q --upgrade pip
        & $py -m pip install -q -e ".[dev]"
        if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
        Set-Content -Path $stampFile -Value $want
    }
}

switch ($Command) {
    "setup" { Setup }
    "run" { Setup; & (Join-Path $venv "Scripts\yichuang.exe") @Rest; exit $LASTEXITCODE }
    "test" { Setup; & $py -m pytest @Rest; exit $LASTEXITCODE }
    "yichuang" { Setup; & (Join-Path $venv "Scripts\yichuang.exe") @Rest; exit $LASTEXITCODE }
    default { Get-Content $PSCommandPath -TotalCount 6 | Select-Object -Skip 1; exit 2 }
}
