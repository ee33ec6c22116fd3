# One entry point on Windows (Linux: ./yc).
#   .\yc.ps1 run  [ARGS...]   set up if needed, then start YiChuang
#   .\yc.ps1 test [ARGS...]   set up if needed, then run the tests
#   .\yc.ps1 setup            only set up (.venv with the project and its dev tools)
#   .\yc.ps1 yichuang ARGS    run the yichuang command inside the project's .venv
#   .\yc.ps1 build            the bundle dist\yichuang, its selftest, the NSIS installer
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
    "build" {
        # the bundle dist\yichuang (PyInstaller, build.spec), its selftest, then the
        # installer with NSIS when makensis is on the PATH
        Setup
        & $py -c "import PyInstaller" 2>$null
        if ($LASTEXITCODE -ne 0) { & $py -m pip install -q -e ".[dev,build]" }
        & (Join-Path $venv "Scripts\pyinstaller.exe") --noconfirm --distpath dist --workpath build\pyinstaller build.spec
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        $env:QT_QPA_PLATFORM = "offscreen"
        & dist\yichuang\yichuang.exe selftest
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        if (Get-Command makensis -ErrorAction SilentlyContinue) {
            $version = (Select-String -Path pyproject.toml -Pattern '^version = "(.*)"').Matches[0].Groups[1].Value
            & makensis /V2 "/DVERSION=$version" packaging\windows\yichuang.nsi
        }
        exit $LASTEXITCODE
    }
    default { Get-Content $PSCommandPath -TotalCount 7 | Select-Object -Skip 1; exit 2 }
}
